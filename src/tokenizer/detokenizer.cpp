// token_to_piece and the streaming UTF-8 decoder (see detokenizer.h).
#include "tokenizer/detokenizer.h"

#include <cstdlib>

#include "tokenizer/byte_level_bpe.h"
#include "tokenizer/utf8.h"

namespace minke {
namespace {

// Byte-level text back to bytes; code points outside the byte table are spelled out the way
// llama.cpp's llama_decode_text does. Decodes as utf8::decode_lenient does, without its vector.
void append_byte_level(const std::string& text, std::string* out) {
  size_t offset = 0;
  while (offset < text.size()) {
    uint32_t cpt = 0;
    if (utf8::decode_one(text, &offset, &cpt)) {
      if (cpt > 0x10FFFF) cpt = utf8::kReplacement;
    } else {
      cpt = utf8::kReplacement;
      ++offset;
    }
    const int b = codepoint_to_byte(cpt);
    if (b >= 0) {
      out->push_back(static_cast<char>(b));
      continue;
    }
    const std::string bytes = utf8::encode(cpt);
    *out += "[UNK_BYTE_0x";
    for (const char c : bytes) {
      static constexpr char kHex[] = "0123456789abcdef";
      out->push_back(kHex[static_cast<uint8_t>(c) >> 4]);
      out->push_back(kHex[static_cast<uint8_t>(c) & 15]);
    }
    *out += text;
    *out += ']';
  }
}

void append_unescaped_spaces(const std::string& text, std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
      out->push_back(' ');
      i += 2;
    } else {
      out->push_back(text[i]);
    }
  }
}

}  // namespace

std::string token_to_piece(const Vocab& vocab, int32_t id, bool render_special) {
  std::string out;
  append_token_piece(vocab, id, render_special, &out);
  return out;
}

void append_token_piece(const Vocab& vocab, int32_t id, bool render_special, std::string* out) {
  if (!vocab.valid(id)) return;
  const TokenData& token = vocab.tokens[id];
  if (!render_special && token.has(kAttrControl | kAttrUnknown)) return;
  if (token.has(kAttrControl | kAttrUnknown | kAttrUserDefined)) {
    *out += token.text;
  } else if (token.has(kAttrNormal)) {
    if (vocab.kind == VocabKind::kByteLevelBpe) {
      append_byte_level(token.text, out);
    } else {
      append_unescaped_spaces(token.text, out);
    }
  } else if (token.has(kAttrByte) && vocab.kind != VocabKind::kByteLevelBpe &&
             token.text.size() >= 5) {
    // "<0xXX>": the two hex digits after "<0x".
    const char hex[3] = {token.text[3], token.text[4], '\0'};
    out->push_back(static_cast<char>(std::strtol(hex, nullptr, 16)));
  }
  // Unused and undefined tokens have no text.
}

std::string_view StreamingDecoder::push(int32_t id) {
  append_token_piece(vocab_, id, render_special_, &pending_);
  return release();
}

std::string_view StreamingDecoder::push_bytes(std::string_view bytes) {
  pending_.append(bytes);
  return release();
}

std::string_view StreamingDecoder::release() {
  out_.clear();
  size_t i = 0;
  while (i < pending_.size()) {
    const int n = utf8::strict_sequence(std::string_view(pending_).substr(i));
    if (n > 0) {
      out_.append(pending_, i, static_cast<size_t>(n));
      i += static_cast<size_t>(n);
    } else if (n == 0) {
      break;  // an incomplete character: wait for more bytes
    } else {
      out_ += "\xEF\xBF\xBD";
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
  return out_;
}

std::string StreamingDecoder::flush() {
  std::string out(release());
  if (!pending_.empty()) out += "\xEF\xBF\xBD";
  pending_.clear();
  return out;
}

}  // namespace minke
