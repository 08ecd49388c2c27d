// The self-attention block shared by the decoder architectures: project q/k/v (+ bias), per-head
// q/k RMS norm, RoPE, store K/V in the paged cache, causal attention over it, output projection.
// Which optional steps run is data (the weights present, the options), never the architecture.
#pragma once

#include <cstdint>
#include <optional>

#include "backend/backend.h"
#include "models/blocks/step.h"

namespace minke {

class WeightBinder;

struct AttentionWeights {
  WeightView q;  // [n_head * head_dim, n_embd]
  // [n_head_kv * head_dim, n_embd]. No k: the layer stores no K/V and attends over what an
  // earlier layer stored (Gemma 4's shared KV). No v: V is K's projection (Gemma 4's global
  // layers), taken before the k norm and RoPE.
  std::optional<WeightView> k, v;
  WeightView o;                                      // [n_embd, n_head * head_dim]
  std::optional<WeightView> q_bias, k_bias, v_bias;  // [n_head(_kv) * head_dim] (qwen2)
  std::optional<WeightView> q_norm, k_norm;          // [head_dim] per-head RMS norm (qwen3)
  std::optional<WeightView> v_norm;  // [head_dim] per-head RMS norm of V (Gemma 4: all ones)
  std::optional<WeightView> o_bias;  // [n_embd] (gpt-oss)
  std::optional<WeightView> sinks;   // [n_head] attention sinks (gpt-oss)
};

struct AttentionOptions {
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;
  float norm_eps = 0.0f;  // of the q/k norms
  RopeParams rope;
  // If non-zero, q is multiplied by it after RoPE and the scores are not scaled again
  // (gemma3's query_pre_attn_scalar^-1/2); else scores are scaled by 1/sqrt(head_dim).
  float q_scale = 0.0f;
  int32_t window = 0;  // sliding window (keys p - window < j <= p), 0 = full causal
  // The query projection holds each head's query followed by its output gate (twice as many
  // rows); the attention output is multiplied by sigmoid(gate) before attn_output (Qwen3.5).
  bool output_gate = false;
};

// Which of the optional tensors an architecture requires; present ones are always bound.
struct AttentionTensors {
  bool bias = false;        // attn_{q,k,v}.bias
  bool qk_norm = false;     // attn_{q,k}_norm.weight
  bool o_bias = false;      // attn_output.bias
  bool sinks = false;       // attn_sinks.weight
  bool own_kv = true;       // attn_{k,v}: false binds none (the layer reads another's K/V)
  bool v_optional = false;  // attn_v may be absent (V is then K's projection)
};

// Binds blk.<il>.attn_{q,k,v,output}.weight, attn_{q,k,v,output}.bias, attn_{q,k}_norm.weight
// and attn_sinks.weight (shapes from the options); a missing required tensor throws
// minke::Error naming it. v_norm is the caller's to set.
AttentionWeights bind_attention(const WeightBinder& w, int32_t il, int32_t n_embd,
                                const AttentionOptions& o, const AttentionTensors& required);

// x: [M, n_embd] (already normed) -> [M, n_embd]. Writes this step's K/V into `store`, or,
// without w.k, attends over the K/V an earlier layer wrote there this step.
Tensor self_attention(Backend& be, const Tensor& x, const AttentionWeights& w,
                      const AttentionOptions& o, const StepInputs& step, const KvStore& store);

}  // namespace minke
