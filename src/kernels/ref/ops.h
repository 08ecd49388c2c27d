// Scalar reference kernels for everything but matmul: row-wise norms and activations, RoPE,
// attention over the paged f16 KV cache. Signatures are the KernelTable's (kernel_table.h).
#pragma once

#include <cstdint>

#include "kernels/kernel_table.h"

namespace minke {

// y = x / sqrt(mean(x^2) + eps) * w. The sum of squares is accumulated in double and the
// scaling done as (x * scale) * w, as llama.cpp's rms_norm followed by its mul.
void rms_norm_f32(const float* x, const float* w, float eps, float* y, int64_t n);

void add_f32(const float* a, const float* b, float* y, int64_t n);
void mul_f32(const float* a, const float* b, float* y, int64_t n);
void scale_f32(const float* x, float s, float* y, int64_t n);
void scale_add_f32(const float* x, float s, float* y, int64_t n);
// exp(x) as every kernel path computes it: in double (x = n ln2 + r, |r| <= ln2/2, the degree-10
// Taylor polynomial of exp(r), error < 3e-13), then rounded to f32 once, so it is the correctly
// rounded expf except within ~3e-13 of a rounding boundary (libm's expf is the same to < 0.502
// ulp), and the x86 lanes version (simd_common/row_ops.h) gives the same bits. 0 below kExpLo,
// +inf above kExpHi (where expf under/overflows anyway), NaN stays NaN.
float exp_f32(float x);
inline constexpr float kExpLo = -104.0f, kExpHi = 89.0f;
inline constexpr double kExpLog2e = 1.4426950408889634;
inline constexpr double kExpLn2Hi = 6.93147180369123816490e-01;  // low 21 bits zero: n * hi exact
inline constexpr double kExpLn2Lo = 1.90821492927058770002e-10;
// 1/10!, 1/9!, ..., 1/1!, 1/0! (Horner order).
inline constexpr double kExpPoly[11] = {1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040,
                                        1.0 / 720,     1.0 / 120,    1.0 / 24,    1.0 / 6,
                                        1.0 / 2,       1.0,          1.0};

// y = silu(a) * b, silu(a) = a / (1 + exp_f32(-a)).
void silu_mul_f32(const float* a, const float* b, float* y, int64_t n);
// y = gelu(a) * b with the tanh approximation, evaluated like llama.cpp's CPU path: a is
// rounded to fp16, gelu computed in f32 and rounded to fp16 (its lookup table), |a| >= 10
// short-cut to 0 or a.
void gelu_mul_f32(const float* a, const float* b, float* y, int64_t n);
float gelu_tanh_f32(float x);
// y = sigmoid(a) * b, sigmoid(a) = 1 / (1 + exp_f32(-a)); a NaN a gives a.
void sigmoid_mul_f32(const float* a, const float* b, float* y, int64_t n);
// gpt-oss's clamped SwiGLU (ClampedGluFn) in ggml's order of operations, exp by exp_f32; a NaN
// input gives NaN.
void clamped_silu_mul_f32(const float* a, const float* b, float alpha, float limit, float* y,
                          int64_t n);  // the plain f32 formula (no fp16 rounding)
// y = softmax(x): max subtracted, exp_f32 summed by sum_f64_lanes.
void softmax_f32(const float* x, float* y, int64_t n);

// The sum of a softmax's exponentials as every path computes it: in double, element i added
// in order to lane i % kSumLanes, then the lanes folded in halves (lane l += lane l + w for
// w = 8, 4, 2, 1). A fixed order that SIMD lanes reproduce bit for bit, where one sequential
// double sum would be a chain of dependent additions on every path.
inline constexpr int kSumLanes = 16;
double sum_f64_lanes(const float* x, int64_t n);

// Mixture-of-experts routing (RouteFn): softmax or sigmoid gating, optional selection bias and
// group-limited top-k, as DeepSeek's and Qwen's reference code route.
void route_f32(const float* logits, const float* bias, const RouteParams& p, float* scratch,
               int32_t* ids, float* weights);

// Gated DeltaNet (CausalConvFn, DeltaRuleFn, L2NormFn) in ggml's CPU arithmetic: the
// convolution sums in f32 in kernel order, the rule's dot products in f32 in index order,
// expf/logf for the gates; the L2 norm sums squares in double.
// The rule's dot products are 16-lane sums folded as mla_fold_lanes folds them (kMlaLanes
// below), the order the SIMD paths keep; d_k must be a multiple of 16.
void causal_conv_silu_f32(const CausalConvArgs& a, int64_t c0, int64_t c1);
void delta_rule_f32(const DeltaRuleArgs& a);
// Row t's decay exp(a * softplus(alpha + dt_bias)) and beta = sigmoid(beta_logit), one
// compiled copy for every path.
struct DeltaGates {
  float decay, beta;
};
DeltaGates delta_gates(const DeltaRuleArgs& a, int64_t t);
void l2_norm_f32(const float* x, float eps, float* y, int64_t n);

// RoPE as ggml computes it: theta_i = pos * base^(-2i / n_dims), built by repeated f32
// multiplication, divided by freq_factors[i] if given, times freq_scale.
void rope_f32(float* x, int32_t n_head, int32_t head_dim, int32_t pos, const RopeParams& p);

// Two-pass softmax attention of one query row (head `head` of the token at pos; see
// AttentionFn) in llama.cpp's f16-KV arithmetic: q and the softmax probabilities are rounded to
// f16 (they meet the f16 K and V caches in ggml's f16 matmul), products accumulated in f32,
// exp_f32, the softmax sum by sum_f64_lanes. scratch holds kv.n_tokens floats.
void attention_row_f16kv_f32(const float* q, int32_t pos, int32_t head, const KvView& kv,
                             const AttentionParams& p, float* scratch, float* out);
// A tile (AttentionFn), row by row.
void attention_f16kv_f32(const AttnTile& t, const KvView& kv, const AttentionParams& p);

// Multi-head Latent Attention of one token's heads over the latent cache (MlaAttentionFn), in
// attention_row_f16kv_f32's arithmetic, head by head.
void attention_mla_f16_f32(const float* q, int64_t q_head_stride, int32_t n_head, int32_t pos,
                           const MlaView& kv, float scale, float* scratch, float* out,
                           int64_t out_head_stride);

// The lanes of an MLA score dot, folded in halves: lane l += lane l + w for w = 8, 4, 2, 1.
inline constexpr int kMlaLanes = 16;
inline float mla_fold_lanes(float* lane) {
  for (int w = kMlaLanes / 2; w >= 1; w /= 2) {
    for (int l = 0; l < w; ++l) lane[l] += lane[l + w];
  }
  return lane[0];
}

// Where the latent row of logical token j is.
inline int64_t mla_row_at(const MlaView& kv, int32_t j) {
  const int64_t block = kv.block_table[static_cast<size_t>(j / kv.block_size)];
  return (block * kv.block_size + j % kv.block_size) * kv.width;
}

// Where K element d (or the V row) of logical token j, kv head h, is (layout: KvLayout).
inline int64_t kv_k_at(const KvView& kv, int32_t j, int32_t h, int32_t d) {
  const KvLayout& l = kv.layout;
  const int64_t block = kv.block_table[static_cast<size_t>(j / l.block_size)];
  return kv_k_index(l, block, h, j % l.block_size, d);
}
inline int64_t kv_v_row(const KvView& kv, int32_t j, int32_t h) {
  const KvLayout& l = kv.layout;
  const int64_t block = kv.block_table[static_cast<size_t>(j / l.block_size)];
  return kv_v_index(l, block, h, j % l.block_size, 0);
}

}  // namespace minke
