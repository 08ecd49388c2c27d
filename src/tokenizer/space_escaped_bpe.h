// Space-escaped BPE (Gemma 4's "gemma4" tokenizer model): SentencePiece's surface (spaces become
// U+2581, raw UTF-8 symbols, <0xXX> byte fallback) with GPT-2's merge-rank BPE, run on the text
// cut only into runs of newlines and runs of anything else.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace minke {

class SpaceEscapedBpe {
 public:
  explicit SpaceEscapedBpe(const Vocab& vocab);
  // Tokenizes plain text (no special tokens, spaces not yet escaped) and appends the ids.
  void encode(std::string_view text, std::vector<int32_t>* out) const;

 private:
  void encode_word(std::string_view word, std::vector<int32_t>* out) const;

  const Vocab& vocab_;
  std::vector<int32_t> byte_tokens_;  // <0xXX> ids, 256 entries, kNoToken when absent
};

}  // namespace minke
