// Gated feed-forward blocks: down(act(gate(x)) * up(x)) with SiLU (SwiGLU: llama, qwen) or
// tanh-approximated GELU (GeGLU: gemma).
#pragma once

#include <cstdint>

#include "backend/backend.h"

namespace minke {

class WeightBinder;

struct FfnWeights {
  WeightView gate;  // [n_ff, n_embd]
  WeightView up;    // [n_ff, n_embd]
  WeightView down;  // [n_embd, n_ff]
};

// Binds blk.<il>.ffn_{gate,up,down}.weight.
FfnWeights bind_ffn(const WeightBinder& w, int32_t il, int32_t n_embd, int32_t n_ff);

// x: [M, n_embd] (already normed) -> [M, n_embd].
Tensor swiglu_ffn(Backend& be, const Tensor& x, const FfnWeights& w);
Tensor geglu_ffn(Backend& be, const Tensor& x, const FfnWeights& w);

}  // namespace minke
