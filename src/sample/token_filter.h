// TokenFilter: a constraint on which token may come next (grammar-constrained decoding lives in
// src/grammar/, above this layer). The sampler asks it about the few tokens it is about to
// choose among and masks the whole row only when that is not enough.
#pragma once

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
};

}  // namespace minke
