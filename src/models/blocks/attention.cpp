// self_attention: the shared attention block (see attention.h).
#include "models/blocks/attention.h"

#include "models/blocks/weights.h"

namespace minke {

AttentionWeights bind_attention(const WeightBinder& w, int32_t il, int32_t n_embd,
                                const AttentionOptions& o, const AttentionTensors& required) {
  const int64_t q_dim = int64_t{o.n_head} * o.head_dim;
  const int64_t q_rows = o.output_gate ? 2 * q_dim : q_dim;
  const int64_t kv_dim = int64_t{o.n_head_kv} * o.head_dim;
  const auto name = [il](const char* suffix) { return layer_tensor(il, suffix); };
  // Binding a required tensor with the non-optional call makes a missing one an error.
  if (required.bias) {
    w.vector(name("attn_q.bias"), q_dim);
    w.vector(name("attn_k.bias"), kv_dim);
    w.vector(name("attn_v.bias"), kv_dim);
  }
  if (required.qk_norm) {
    w.vector(name("attn_q_norm.weight"), o.head_dim);
    if (required.own_kv) w.vector(name("attn_k_norm.weight"), o.head_dim);
  }
  if (required.o_bias) w.vector(name("attn_output.bias"), n_embd);
  if (required.sinks) w.vector(name("attn_sinks.weight"), o.n_head);
  AttentionWeights a{
      .q = w.matrix(name("attn_q.weight"), q_rows, n_embd),
      .k = std::nullopt,
      .v = std::nullopt,
      .o = w.matrix(name("attn_output.weight"), n_embd, q_dim),
      .q_bias = w.optional_vector(name("attn_q.bias"), q_dim),
      .k_bias = std::nullopt,
      .v_bias = std::nullopt,
      .q_norm = w.optional_vector(name("attn_q_norm.weight"), o.head_dim),
      .k_norm = std::nullopt,
      .v_norm = std::nullopt,
      .o_bias = w.optional_vector(name("attn_output.bias"), n_embd),
      .sinks = w.optional_vector(name("attn_sinks.weight"), o.n_head),
  };
  if (!required.own_kv) return a;
  a.k = w.matrix(name("attn_k.weight"), kv_dim, n_embd);
  a.v = required.v_optional ? w.optional_matrix(name("attn_v.weight"), kv_dim, n_embd)
                            : w.matrix(name("attn_v.weight"), kv_dim, n_embd);
  a.k_bias = w.optional_vector(name("attn_k.bias"), kv_dim);
  a.v_bias = w.optional_vector(name("attn_v.bias"), kv_dim);
  a.k_norm = w.optional_vector(name("attn_k_norm.weight"), o.head_dim);
  return a;
}

namespace {

const WeightView* ptr(const std::optional<WeightView>& w) { return w ? &*w : nullptr; }

// Splits a gated query projection [M, n_head * 2 * head_dim] (each head's query, then its gate)
// into the queries and the gates, [M, n_head * head_dim] each.
void split_query_gate(Backend& be, const Tensor& qg, int32_t n_head, int32_t head_dim, Tensor& q,
                      Tensor& gate) {
  q = be.alloc(qg.rows, int64_t{n_head} * head_dim);
  gate = be.alloc(qg.rows, int64_t{n_head} * head_dim);
  for (int32_t h = 0; h < n_head; ++h) {
    be.copy(qg.col_range(int64_t{2 * h} * head_dim, head_dim),
            q.col_range(int64_t{h} * head_dim, head_dim));
    be.copy(qg.col_range(int64_t{2 * h + 1} * head_dim, head_dim),
            gate.col_range(int64_t{h} * head_dim, head_dim));
  }
}

// Projects, norms and rotates this step's K and V and writes them into the cache.
void store_kv(Backend& be, const Tensor& x, const AttentionWeights& w, const AttentionOptions& o,
              const StepInputs& step, const KvStore& store) {
  const Tensor kp = be.matmul(x, *w.k, ptr(w.k_bias));  // [M, n_head_kv * head_dim]
  // Without attn_v, V is the raw K projection; it must not see K's in-place RoPE.
  Tensor v = w.v ? be.matmul(x, *w.v, ptr(w.v_bias)) : kp;
  Tensor k = kp;
  if (w.k_norm) {
    k = be.rms_norm(kp, *w.k_norm, o.norm_eps);
  } else if (!w.v) {
    k = be.alloc(kp.rows, kp.cols);
    be.copy(kp, k);
  }
  if (w.v_norm) v = be.rms_norm(v, *w.v_norm, o.norm_eps);
  be.rope(k, o.head_dim, step.positions, o.rope, 0);
  be.store_kv(k, v, step.slots_for(store), store);
}

}  // namespace

Tensor self_attention(Backend& be, const Tensor& x, const AttentionWeights& w,
                      const AttentionOptions& o, const StepInputs& step, const KvStore& store) {
  Tensor q = be.matmul(x, w.q, ptr(w.q_bias));  // [M, n_head * head_dim] (x2 with the gate)
  Tensor gate;
  if (o.output_gate) split_query_gate(be, Tensor(q), o.n_head, o.head_dim, q, gate);
  if (w.q_norm) q = be.rms_norm(q, *w.q_norm, o.norm_eps);  // each head on its own
  be.rope(q, o.head_dim, step.positions, o.rope, 0);
  if (o.q_scale != 0.0f) be.scale(q, o.q_scale);
  if (w.k) store_kv(be, x, w, o, step, store);
  const AttentionParams p{.n_head = o.n_head,
                          .scale = o.q_scale != 0.0f ? 1.0f : 0.0f,  // 0: 1/sqrt(head_dim)
                          .window = o.window,
                          .sinks = w.sinks ? static_cast<const float*>(w.sinks->data) : nullptr};
  Tensor a = be.attention(q, step.positions, store, step.seqs_for(store), p);  // [M, n_head * hd]
  if (o.output_gate) a = be.sigmoid_mul(gate, a);
  return be.matmul(a, w.o, ptr(w.o_bias));  // [M, n_embd]
}

}  // namespace minke
