// The mixture-of-experts block (see moe.h).
#include "models/blocks/moe.h"

#include <algorithm>
#include <cstdio>

#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/blocks/hparams.h"
#include "models/blocks/weights.h"

namespace minke {

RouteParams read_expert_routing(const GgufFile& f, const ModelConfig& c, Gating absent) {
  if (c.n_expert == 0) return {};
  // expert_gating_func: 1 softmax (DeepSeek-V2), 2 sigmoid (V3, GLM-4.5), 3 softmax over the
  // chosen (gpt-oss); files that predate the key are their architecture's default.
  const uint32_t gating = f.get_u32(arch_key(f, "expert_gating_func"), 0);
  if (gating > 3) {
    throw Error(f.path() + ": expert_gating_func " + std::to_string(gating) + " is not supported");
  }
  float scale = f.get_f32(arch_key(f, "expert_weights_scale"), 1.0f);
  if (scale == 0.0f) scale = 1.0f;  // written as 0 when the checkpoint does not scale
  RouteParams p{.n_expert = c.n_expert,
                .n_used = c.n_expert_used,
                .gating = gating == 0   ? absent
                          : gating == 1 ? Gating::kSoftmax
                          : gating == 2 ? Gating::kSigmoid
                                        : Gating::kSoftmaxChosen,
                .n_group = std::max(1, arch_count(f, "expert_group_count", 1)),
                .n_group_used = std::max(1, arch_count(f, "expert_group_used_count", 1)),
                .norm_weights = f.get_bool(arch_key(f, "expert_weights_norm"), false),
                .weights_scale = scale};
  if (p.n_group > 1 &&
      (p.n_group > kMaxExpertGroups || p.n_expert % p.n_group != 0 || p.n_group_used > p.n_group ||
       p.n_used > p.n_group_used * (p.n_expert / p.n_group))) {
    throw Error(f.path() + ": expert groups (" + std::to_string(p.n_group) + ", " +
                std::to_string(p.n_group_used) + " used) do not fit " + std::to_string(p.n_expert) +
                " experts with " + std::to_string(p.n_used) + " used");
  }
  return p;
}

std::string describe_routing(const RouteParams& p, bool select_bias) {
  std::string s = p.gating == Gating::kSigmoid         ? "sigmoid"
                  : p.gating == Gating::kSoftmaxChosen ? "softmax over the chosen"
                                                       : "softmax";
  if (select_bias) s += " with selection bias";
  if (p.n_group > 1) {
    s += ", " + std::to_string(p.n_group) + " groups (" + std::to_string(p.n_group_used) +
         " compete)";
  }
  if (p.norm_weights) s += ", renormalised";
  if (p.weights_scale != 1.0f) {
    char scale[32];
    std::snprintf(scale, sizeof scale, ", x%g", static_cast<double>(p.weights_scale));
    s += scale;
  }
  return s;
}

MoeWeights bind_moe(const WeightBinder& w, int32_t il, int32_t n_embd, int32_t n_expert,
                    int32_t n_ff_exp, int32_t n_ff_shared) {
  const auto name = [il](const char* suffix) { return layer_tensor(il, suffix); };
  MoeWeights m{
      .router = w.matrix(name("ffn_gate_inp.weight"), n_expert, n_embd),
      .router_bias = w.optional_vector(name("ffn_gate_inp.bias"), n_expert),
      .select_bias = w.optional_vector(name("exp_probs_b.bias"), n_expert),
      .gate = {},
      .up = {},
      .down = w.experts(name("ffn_down_exps.weight"), n_expert, n_embd, n_ff_exp),
      .gate_bias = w.optional_vectors(name("ffn_gate_exps.bias"), n_expert, n_ff_exp),
      .up_bias = w.optional_vectors(name("ffn_up_exps.bias"), n_expert, n_ff_exp),
      .down_bias = w.optional_vectors(name("ffn_down_exps.bias"), n_expert, n_embd),
      .shared = std::nullopt,
      .down_scale = w.optional_vector(name("ffn_down_exps.scale"), n_expert),
  };
  // A converter may fuse each expert's gate and up projections into one slab (gate rows first).
  const std::string fused = name("ffn_gate_up_exps.weight");
  if (w.has(fused) && !w.has(name("ffn_gate_exps.weight"))) {
    m.gate = w.expert_rows(fused, n_expert, 2 * int64_t{n_ff_exp}, n_embd, 0, n_ff_exp);
    m.up = w.expert_rows(fused, n_expert, 2 * int64_t{n_ff_exp}, n_embd, n_ff_exp, n_ff_exp);
  } else {
    m.gate = w.experts(name("ffn_gate_exps.weight"), n_expert, n_ff_exp, n_embd);
    m.up = w.experts(name("ffn_up_exps.weight"), n_expert, n_ff_exp, n_embd);
  }
  if (n_ff_shared > 0) {
    m.shared = FfnWeights{
        .gate = w.matrix(name("ffn_gate_shexp.weight"), n_ff_shared, n_embd),
        .up = w.matrix(name("ffn_up_shexp.weight"), n_ff_shared, n_embd),
        .down = w.matrix(name("ffn_down_shexp.weight"), n_embd, n_ff_shared),
    };
    m.shared_gate = w.optional_matrix(name("ffn_gate_inp_shexp.weight"), 1, n_embd);
  }
  return m;
}

FeedForward bind_feed_forward(const WeightBinder& w, int32_t il, const ModelConfig& c) {
  if (c.n_expert > 0 && il >= c.n_layer_dense) {
    return {.dense = std::nullopt,
            .moe = bind_moe(w, il, c.n_embd, c.n_expert, c.n_ff_exp, c.n_ff_shexp)};
  }
  return {.dense = bind_ffn(w, il, c.n_embd, c.n_ff), .moe = std::nullopt};
}

Tensor ExpertRouting::run(Backend& be, const Tensor& x, const MoeWeights& w, const RouteParams& p,
                          const ExpertGlu& glu) {
  const Tensor logits =
      be.matmul(x, w.router, w.router_bias ? &*w.router_bias : nullptr);  // [M, n_expert]
  return run_routed(be, x, logits, w, p, glu);
}

Tensor ExpertRouting::run_routed(Backend& be, const Tensor& x, const Tensor& logits,
                                 const MoeWeights& w, const RouteParams& p, const ExpertGlu& glu) {
  const auto n_routed = static_cast<size_t>(x.rows * p.n_used);
  ids_.resize(n_routed);
  weights_.resize(n_routed);
  be.route(logits, w.select_bias ? &*w.select_bias : nullptr, p, ids_, weights_);
  if (w.down_scale) {
    const auto* scale = static_cast<const float*>(w.down_scale->data);
    for (size_t i = 0; i < n_routed; ++i) weights_[i] *= scale[ids_[i]];
  }

  // Counting sort of the routed rows by expert (tokens in batch order within an expert), so
  // each expert sees one contiguous run of rows.
  offset_.assign(static_cast<size_t>(p.n_expert) + 1, 0);
  for (const int32_t e : ids_) ++offset_[static_cast<size_t>(e) + 1];
  for (size_t e = 0; e < static_cast<size_t>(p.n_expert); ++e) offset_[e + 1] += offset_[e];
  groups_.clear();
  for (int32_t e = 0; e < p.n_expert; ++e) {
    const int32_t n = offset_[static_cast<size_t>(e) + 1] - offset_[static_cast<size_t>(e)];
    if (n > 0)
      groups_.push_back({.expert = e, .row0 = offset_[static_cast<size_t>(e)], .n_rows = n});
  }
  order_.resize(n_routed);
  slot_.resize(n_routed);
  for (size_t i = 0; i < n_routed; ++i) {
    const int32_t at = offset_[static_cast<size_t>(ids_[i])]++;
    order_[static_cast<size_t>(at)] = static_cast<int32_t>(i / static_cast<size_t>(p.n_used));
    slot_[i] = at;
  }

  const Tensor xr = be.gather_rows(x, order_);  // [R, n_embd]
  const Tensor gate = be.matmul_experts(xr, w.gate, groups_, w.gate_bias);
  const Tensor up = be.matmul_experts(xr, w.up, groups_, w.up_bias);
  const Tensor act = glu.clamped ? be.clamped_silu_mul(gate, up, glu.alpha, glu.limit)
                     : glu.gelu  ? be.gelu_mul(gate, up)
                                 : be.silu_mul(gate, up);
  const Tensor down = be.matmul_experts(act, w.down, groups_, w.down_bias);  // [R, n_embd]
  // Each token's experts in its routing order (best first): a function of the token alone.
  Tensor out = be.weighted_sum_rows(down, slot_, weights_, p.n_used);
  if (w.shared) {
    const Tensor shared = swiglu_ffn(be, x, *w.shared);  // [M, n_embd]
    // Qwen3-Next's gate: one logit per token, sigmoid(x . g) scales the shared expert.
    be.add(out, w.shared_gate ? be.sigmoid_mul(be.matmul(x, *w.shared_gate), shared) : shared);
  }
  return out;
}

}  // namespace minke
