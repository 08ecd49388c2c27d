// Gated feed-forward blocks (see ffn.h).
#include "models/blocks/ffn.h"

#include "models/blocks/weights.h"

namespace minke {

FfnWeights bind_ffn(const WeightBinder& w, int32_t il, int32_t n_embd, int32_t n_ff) {
  return {.gate = w.matrix(layer_tensor(il, "ffn_gate.weight"), n_ff, n_embd),
          .up = w.matrix(layer_tensor(il, "ffn_up.weight"), n_ff, n_embd),
          .down = w.matrix(layer_tensor(il, "ffn_down.weight"), n_embd, n_ff)};
}

Tensor swiglu_ffn(Backend& be, const Tensor& x, const FfnWeights& w) {
  const Tensor gate = be.matmul(x, w.gate);  // [M, n_ff]
  const Tensor up = be.matmul(x, w.up);      // [M, n_ff]
  return be.matmul(be.silu_mul(gate, up), w.down);
}

Tensor geglu_ffn(Backend& be, const Tensor& x, const FfnWeights& w) {
  const Tensor gate = be.matmul(x, w.gate);  // [M, n_ff]
  const Tensor up = be.matmul(x, w.up);      // [M, n_ff]
  return be.matmul(be.gelu_mul(gate, up), w.down);
}

}  // namespace minke
