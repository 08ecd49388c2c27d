// TokenTable: see token_table.h.
#include "grammar/token_table.h"

#include <algorithm>

#include "tokenizer/tokenizer.h"

namespace minke {

TokenTable::TokenTable(std::vector<std::string> token_bytes, std::vector<int32_t> eog)
    : bytes_(std::move(token_bytes)), eog_(std::move(eog)), eog_flag_(bytes_.size(), 0) {
  for (const int32_t id : eog_) {
    if (id >= 0 && id < n_vocab()) eog_flag_[static_cast<size_t>(id)] = 1;
  }
  for (int32_t id = 0; id < n_vocab(); ++id) {
    // End-of-generation tokens are allowed by the grammar's state, never by their text; a
    // token longer than any real one is left out rather than given a huge walk depth.
    const std::string& b = bytes_[static_cast<size_t>(id)];
    if (!is_eog(id) && !b.empty() && b.size() < kMaxTokenBytes) {
      sorted_.push_back(id);
    }
  }
  std::sort(sorted_.begin(), sorted_.end(), [&](int32_t a, int32_t b) {
    return bytes(a) < bytes(b) || (bytes(a) == bytes(b) && a < b);
  });
  shared_prefix_.resize(sorted_.size(), 0);
  for (size_t i = 0; i < sorted_.size(); ++i) {
    const std::string_view cur = bytes(sorted_[i]);
    max_length_ = std::max(max_length_, cur.size());
    if (i == 0) continue;
    const std::string_view prev = bytes(sorted_[i - 1]);
    size_t n = 0;
    while (n < cur.size() && n < prev.size() && cur[n] == prev[n]) ++n;
    shared_prefix_[i] = static_cast<uint16_t>(n);
  }
}

std::shared_ptr<const TokenTable> TokenTable::from_tokenizer(const Tokenizer& tokenizer) {
  const Vocab& vocab = tokenizer.vocab();
  std::vector<std::string> bytes(static_cast<size_t>(vocab.size()));
  std::vector<int32_t> eog;
  for (int32_t id = 0; id < vocab.size(); ++id) {
    if (tokenizer.is_eog(id)) eog.push_back(id);
    const TokenData& t = vocab.tokens[static_cast<size_t>(id)];
    if (t.has(kAttrControl | kAttrUnused | kAttrUnknown) || tokenizer.is_eog(id)) continue;
    bytes[static_cast<size_t>(id)] = tokenizer.token_to_piece(id, true);
  }
  return std::make_shared<TokenTable>(std::move(bytes), std::move(eog));
}

}  // namespace minke
