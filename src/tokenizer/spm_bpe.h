// SentencePiece-style BPE ("llama" tokenizer model): spaces become U+2581, the text is cut into
// UTF-8 characters, and adjacent pairs whose concatenation is a vocab entry are merged, highest
// score first; characters left outside the vocab fall back to <0xXX> byte tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace minke {

class SpmBpe {
 public:
  explicit SpmBpe(const Vocab& vocab);
  // Tokenizes one text fragment that has already been space-escaped (see escape_spaces).
  void encode(std::string_view escaped, std::vector<int32_t>* out) const;
  static std::string escape_spaces(std::string_view text);  // ' ' -> U+2581
  // Byte fallback: <0xXX>, else the byte itself as a token, else unk; throws when none exist.
  int32_t byte_token(uint8_t byte) const;

 private:
  const Vocab& vocab_;
  std::vector<int32_t> byte_tokens_;  // 256 entries, kNoToken when unavailable
};

}  // namespace minke
