// token_to_piece and the streaming UTF-8 decoder (see detokenizer.h).
#include "tokenizer/detokenizer.h"

#include <cstdlib>

#include "tokenizer/byte_level_bpe.h"
#include "tokenizer/utf8.h"

namespace minke {
namespace {

// Byte-level text back to bytes; code points outside the byte table are spelled out the way
// llama.cpp's llama_decode_text does.
std::string decode_byte_level(const std::string& text) {
  std::string out;
  for (const uint32_t cpt : utf8::decode_lenient(text)) {
    const int b = codepoint_to_byte(cpt);
    if (b >= 0) {
      out.push_back(static_cast<char>(b));
      continue;
    }
    const std::string bytes = utf8::encode(cpt);
    out += "[UNK_BYTE_0x";
    for (const char c : bytes) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
      out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
    }
    out += text + "]";
  }
  return out;
}

std::string unescape_spaces(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
      out.push_back(' ');
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

std::string token_to_piece(const Vocab& vocab, int32_t id, bool render_special) {
  if (!vocab.valid(id)) return {};
  const TokenData& token = vocab.tokens[id];
  if (!render_special && token.has(kAttrControl | kAttrUnknown)) return {};
  if (token.has(kAttrControl | kAttrUnknown | kAttrUserDefined)) return token.text;
  if (token.has(kAttrNormal)) {
    return vocab.kind == VocabKind::kByteLevelBpe ? decode_byte_level(token.text)
                                                  : unescape_spaces(token.text);
  }
  if (token.has(kAttrByte) && vocab.kind == VocabKind::kSentencePiece && token.text.size() >= 5) {
    // "<0xXX>": the two hex digits after "<0x".
    const std::string hex = token.text.substr(3, 2);
    return std::string(1, static_cast<char>(std::strtol(hex.c_str(), nullptr, 16)));
  }
  return {};  // unused and undefined tokens have no text
}

std::string StreamingDecoder::push(int32_t id) {
  return push_bytes(token_to_piece(vocab_, id, render_special_));
}

std::string StreamingDecoder::push_bytes(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  size_t i = 0;
  while (i < pending_.size()) {
    const int n = utf8::strict_sequence(std::string_view(pending_).substr(i));
    if (n > 0) {
      out.append(pending_, i, static_cast<size_t>(n));
      i += static_cast<size_t>(n);
    } else if (n == 0) {
      break;  // an incomplete character: wait for more bytes
    } else {
      out += "\xEF\xBF\xBD";
      // Skip the maximal invalid subpart: the lead byte plus any continuation bytes it accepted.
      size_t skip = 1;
      while (i + skip < pending_.size() &&
             utf8::strict_sequence(std::string_view(pending_).substr(i, skip + 1)) == 0) {
        ++skip;
      }
      i += skip;
    }
  }
  pending_.erase(0, i);
  return out;
}

std::string StreamingDecoder::flush() {
  std::string out = push_bytes({});
  if (!pending_.empty()) out += "\xEF\xBF\xBD";
  pending_.clear();
  return out;
}

}  // namespace minke
