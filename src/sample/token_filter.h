// TokenFilter: a constraint on which token may come next (grammar-constrained decoding lives in
// src/grammar/, above this layer). The sampler asks it about the few tokens it is about to
// choose among and masks the whole row only when that is not enough.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace minke {

class TokenFilter {
 public:
  virtual ~TokenFilter() = default;
  // Whether `token` may come next.
  virtual bool allows(int32_t token) = 0;
  // Sets logits[t] to -inf for every token t that may not come next.
  virtual void mask(std::span<float> logits) = 0;
  // Whether mask() is cheap now (its answer for this state is remembered): then asking token by
  // token first would only add work.
  virtual bool mask_ready() { return false; }
  // The allowed tokens as bits (bit t of word t / 64), when the filter has them; empty when it
  // does not. `count`: how many bits are set. Lets the sampler visit only the allowed tokens
  // where they are few.
  virtual std::span<const uint64_t> allowed_words(size_t& count) {
    count = 0;
    return {};
  }
};

}  // namespace minke
