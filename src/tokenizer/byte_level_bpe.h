// Byte-level BPE (GPT-2 style): bytes are mapped to printable code points, each pre-token is cut
// into those symbols, and adjacent pairs are merged by rank (lowest first, leftmost on ties).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/vocab.h"

namespace minke {

// GPT-2's byte <-> code point table.
uint32_t byte_to_codepoint(uint8_t byte);
int codepoint_to_byte(uint32_t cpt);  // -1 when the code point stands for no byte

class ByteLevelBpe {
 public:
  ByteLevelBpe(const Vocab& vocab, std::string_view pre) : vocab_(vocab), pre_(pre) {}
  // Tokenizes plain text (no special tokens) and appends the ids.
  void encode(std::string_view text, std::vector<int32_t>* out) const;
  // Merges one pre-token, already in byte-mapped form.
  void encode_word(std::string_view word, std::vector<int32_t>* out) const;
  const PreTokenizer& pre_tokenizer() const { return pre_; }

 private:
  const Vocab& vocab_;
  PreTokenizer pre_;
};

}  // namespace minke
