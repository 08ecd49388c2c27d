// TokenTable: a vocabulary as the grammar sees it: each token's bytes, the tokens sorted by
// bytes (so a walk over the vocabulary shares the work for common prefixes), and which tokens
// end generation. Built once per model and shared by every constrained request.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace minke {

class Tokenizer;

class TokenTable {
 public:
  // token_bytes[id]: the token's text; empty for tokens a grammar never produces (control tokens).
  TokenTable(std::vector<std::string> token_bytes, std::vector<int32_t> eog);
  // Normal, byte and user-defined tokens by their text; control and unused tokens excluded.
  static std::shared_ptr<const TokenTable> from_tokenizer(const Tokenizer& tokenizer);

  int32_t n_vocab() const { return static_cast<int32_t>(bytes_.size()); }
  std::string_view bytes(int32_t id) const { return bytes_[static_cast<size_t>(id)]; }
  bool is_eog(int32_t id) const { return eog_flag_[static_cast<size_t>(id)] != 0; }
  const std::vector<int32_t>& eog() const { return eog_; }
  // Tokens with bytes, sorted by them; shared_prefix()[i]: bytes sorted()[i] has in common
  // with sorted()[i - 1] (0 for i = 0).
  const std::vector<int32_t>& sorted() const { return sorted_; }
  const std::vector<uint16_t>& shared_prefix() const { return shared_prefix_; }
  size_t max_length() const { return max_length_; }
  // Longer tokens are never allowed (no real vocabulary has them; it bounds the walk depth).
  static constexpr size_t kMaxTokenBytes = 1024;

 private:
  std::vector<std::string> bytes_;
  std::vector<int32_t> eog_;
  std::vector<uint8_t> eog_flag_;
  std::vector<int32_t> sorted_;
  std::vector<uint16_t> shared_prefix_;
  size_t max_length_ = 0;
};

}  // namespace minke
