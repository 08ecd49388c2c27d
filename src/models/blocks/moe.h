// The mixture-of-experts feed-forward block (DeepSeekMoE, Qwen3-MoE): a router picks n_used of
// n_expert SwiGLU experts per token; each expert runs only on the tokens routed to it (grouped by
// expert, all experts in one matmul pass; an expert no token chose is never read), and a token's
// expert outputs are summed with the router's weights, plus the shared experts every token runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "models/blocks/ffn.h"
#include "models/model.h"

namespace minke {

class GgufFile;
class WeightBinder;

struct MoeWeights {
  WeightView router;                       // ffn_gate_inp.weight [n_expert, n_embd]
  std::optional<WeightView> router_bias;   // ffn_gate_inp.bias [n_expert], added to the logits
  std::optional<WeightView> select_bias;   // exp_probs_b.bias [n_expert] (DeepSeek-V3)
  std::vector<WeightView> gate, up, down;  // ffn_{gate,up,down}_exps: [n_ff_exp, n_embd] each
  // ffn_{gate,up,down}_exps.bias: one [n_ff_exp] (down: [n_embd]) vector per expert (gpt-oss),
  // or empty.
  std::vector<WeightView> gate_bias, up_bias, down_bias;
  std::optional<FfnWeights> shared;  // ffn_{gate,up,down}_shexp (DeepSeek)
  // ffn_gate_inp_shexp.weight [1, n_embd]: the shared experts' output is scaled by sigmoid of
  // its dot with the input (Qwen3-Next, Qwen3.5-MoE), or not at all.
  std::optional<WeightView> shared_gate;
  // ffn_down_exps.scale [n_expert]: each expert's output is multiplied by its scale (Gemma 4),
  // folded into the token's routing weight.
  std::optional<WeightView> down_scale;
};

// The experts' gated activation: SwiGLU, gpt-oss's clamped variant (ClampedGluFn), or GeGLU
// (Gemma 4).
struct ExpertGlu {
  bool clamped = false;
  float alpha = 0.0f, limit = 0.0f;
  bool gelu = false;
};

// The routing DeepSeek-style files describe: expert_gating_func (1 softmax, 2 sigmoid; absent
// or 0: `absent`), expert_group_count / expert_group_used_count, expert_weights_norm and
// expert_weights_scale (0 means 1). Throws minke::Error on an unknown gating or groups that do
// not fit the experts. A dense model (no experts) gets {}.
RouteParams read_expert_routing(const GgufFile& f, const ModelConfig& c, Gating absent);

// "sigmoid with selection bias, 8 groups (4 compete), renormalised, x2.5" (for `minke info`).
std::string describe_routing(const RouteParams& p, bool select_bias = false);

// Binds blk.<il>.ffn_gate_inp.weight, the three expert tensors (gate and up, or the fused
// ffn_gate_up_exps: each expert's gate rows then its up rows), the biases a file has
// (ffn_gate_inp.bias, exp_probs_b.bias, ffn_{gate,up,down}_exps.bias) and, when n_ff_shared > 0,
// the shared experts (one SwiGLU of n_ff_shared hidden units) and their gate if the file has it.
MoeWeights bind_moe(const WeightBinder& w, int32_t il, int32_t n_embd, int32_t n_expert,
                    int32_t n_ff_exp, int32_t n_ff_shared);

// A layer's feed-forward: a dense SwiGLU, or, in a mixture-of-experts model past its
// n_layer_dense leading dense layers, routed experts (and shared ones).
struct FeedForward {
  std::optional<FfnWeights> dense;
  std::optional<MoeWeights> moe;
};
FeedForward bind_feed_forward(const WeightBinder& w, int32_t il, const ModelConfig& c);

// Per-step host bookkeeping of the routing: which rows go to which expert. Kept by the model
// so that its vectors keep their capacity from step to step (no allocation per step).
class ExpertRouting {
 public:
  // x: [M, n_embd] (already normed) -> [M, n_embd].
  Tensor run(Backend& be, const Tensor& x, const MoeWeights& w, const RouteParams& p,
             const ExpertGlu& glu = {});
  // The same with the router's logits [M, n_expert] computed by the caller (Gemma 4 routes
  // from another input than the experts'); w.router is not used.
  Tensor run_routed(Backend& be, const Tensor& x, const Tensor& logits, const MoeWeights& w,
                    const RouteParams& p, const ExpertGlu& glu = {});
  // The layer's feed-forward, dense or routed as p says.
  Tensor run(Backend& be, const Tensor& x, const FeedForward& f, const RouteParams& p,
             const ExpertGlu& glu = {}) {
    return f.moe ? run(be, x, *f.moe, p, glu) : swiglu_ffn(be, x, *f.dense);
  }

 private:
  std::vector<int32_t> ids_;        // [M * n_used] chosen experts, best first per token
  std::vector<float> weights_;      // [M * n_used] their weights
  std::vector<int32_t> order_;      // [M * n_used] token row of each routed row, grouped by expert
  std::vector<int32_t> slot_;       // [M * n_used] routed row of (token, choice)
  std::vector<int32_t> offset_;     // [n_expert + 1] first routed row of each expert
  std::vector<ExpertRows> groups_;  // the experts chosen at least once
};

}  // namespace minke
