// SentencePiece BPE encoding, mirroring llama.cpp's llm_tokenizer_spm_session (score-ordered
// bigram queue, leftmost first on equal scores, byte fallback for unknown characters).
#include "tokenizer/spm_bpe.h"

#include <cstdio>
#include <optional>

#include "minke/error.h"
#include "tokenizer/pair_merger.h"
#include "tokenizer/utf8.h"

namespace minke {

SpmBpe::SpmBpe(const Vocab& vocab) : vocab_(vocab), byte_tokens_(256, kNoToken) {
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "<0x%02X>", b);
    int32_t id = vocab.find(hex);
    if (id == kNoToken) id = vocab.find(std::string(1, static_cast<char>(b)));
    byte_tokens_[b] = id;
  }
}

int32_t SpmBpe::byte_token(uint8_t byte) const {
  if (byte_tokens_[byte] != kNoToken) return byte_tokens_[byte];
  // llama.cpp throws out of tokenize() here; the unknown token is the closer SentencePiece
  // behaviour for vocabs without byte fallback.
  if (vocab_.unk != kNoToken) return vocab_.unk;
  char hex[8];
  std::snprintf(hex, sizeof(hex), "<0x%02X>", byte);
  throw Error(std::string("tokenizer: the vocab has no token for byte ") + hex +
              " and no unknown token");
}

std::string SpmBpe::escape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == ' ') {
      out += "\xE2\x96\x81";
    } else {
      out += c;
    }
  }
  return out;
}

void SpmBpe::encode(std::string_view text, std::vector<int32_t>* out) const {
  if (text.empty()) return;
  const std::vector<MergeSymbol> symbols =
      merge_pairs(text, [&](const MergeSymbol& l, const MergeSymbol& r) -> std::optional<double> {
        const int32_t id = vocab_.find(text.substr(l.start, l.n + r.n));
        if (id == kNoToken) return std::nullopt;
        return vocab_.tokens[static_cast<size_t>(id)].score;  // the highest score merges first
      });
  for (int i = 0; i != -1; i = symbols[static_cast<size_t>(i)].next) {
    const MergeSymbol& s = symbols[static_cast<size_t>(i)];
    // Every merged symbol is a vocab entry; only single characters can be missing.
    const int32_t id = vocab_.find(text.substr(s.start, s.n));
    if (id != kNoToken) {
      out->push_back(id);
      continue;
    }
    for (size_t j = 0; j < s.n; ++j) out->push_back(byte_token(text[s.start + j]));
  }
}

}  // namespace minke
