// Special-token partition: before BPE, text is cut at occurrences of special token texts
// (control, user-defined and unknown tokens), longest texts first, as llama.cpp's
// tokenizer_st_partition does. With parse_special off only user-defined tokens are cut out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace minke {

struct Fragment {
  int32_t token = kNoToken;  // kNoToken: raw text [offset, offset + length)
  size_t offset = 0;
  size_t length = 0;
  bool is_text() const { return token == kNoToken; }
};

class SpecialTokens {
 public:
  explicit SpecialTokens(const Vocab& vocab);
  std::vector<Fragment> partition(std::string_view text, bool parse_special) const;
  const std::vector<int32_t>& ordered() const { return ordered_; }

 private:
  const Vocab& vocab_;
  std::vector<int32_t> ordered_;  // special ids, longest text first (ties: lower id first)
};

}  // namespace minke
