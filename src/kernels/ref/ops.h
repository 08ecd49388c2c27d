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
// exp(x) as every kernel path computes it: Cody-Waite reduction by ln 2 and Cephes' degree-6
// polynomial, each step one rounded f32 operation (no FMA), so the x86 lanes version
// (x86_common/row_ops.h) gives the same bits. Within 2 ulp of exp on [-86.6, 88]; 0 below,
// +inf above (exp(88) = 1.65e38), NaN stays NaN.
float exp_f32(float x);
inline constexpr float kExpLo = -86.6f, kExpHi = 88.0f;
inline constexpr float kExpLog2e = 1.44269504088896341f;
inline constexpr float kExpLn2Hi = 0.693359375f, kExpLn2Lo = -2.12194440e-4f;
inline constexpr float kExpPoly[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                      4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

// y = silu(a) * b, silu(a) = a / (1 + exp_f32(-a)).
void silu_mul_f32(const float* a, const float* b, float* y, int64_t n);
// y = gelu(a) * b with the tanh approximation, evaluated like llama.cpp's CPU path: a is
// rounded to fp16, gelu computed in f32 and rounded to fp16 (its lookup table), |a| >= 10
// short-cut to 0 or a.
void gelu_mul_f32(const float* a, const float* b, float* y, int64_t n);
float gelu_tanh_f32(float x);  // the plain f32 formula (no fp16 rounding)
// y = softmax(x): max subtracted, exp_f32 summed in double.
void softmax_f32(const float* x, float* y, int64_t n);

// RoPE as ggml computes it: theta_i = pos * base^(-2i / n_dims), built by repeated f32
// multiplication, divided by freq_factors[i] if given, times freq_scale.
void rope_f32(float* x, int32_t n_head, int32_t head_dim, int32_t pos, const RopeParams& p);

// Two-pass softmax attention (see AttentionFn) in llama.cpp's f16-KV arithmetic: q and the
// softmax probabilities are rounded to f16 (they meet the f16 K and V caches in ggml's f16
// matmul), products accumulated in f32, exp_f32, the softmax sum in double.
void attention_f16kv_f32(const float* q, int32_t pos, int32_t head, const KvView& kv,
                         const AttentionParams& p, float* scratch, float* out);

// attention_f16kv_f32 row by row (AttentionRowsFn).
void attention_rows_f16kv_f32(const float* q, int64_t q_stride, int32_t n_rows, const int32_t* pos,
                              int32_t head, const KvView& kv, const AttentionParams& p,
                              float* scratch, float* out, int64_t out_stride);

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
