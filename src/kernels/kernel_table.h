// The kernel table: one function pointer per op (and per weight type for matmul), filled by
// dispatch.cpp with the best variant the host supports. kernels/ref/ is the always-present
// scalar truth every other variant is tested against. Backends call kernels only through here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gguf/ggml_type.h"

namespace minke {

// ---- matmul: y[M, N] = x[M, K] · W[N, K]^T ----
// The activations x are first converted row by row into the kernel's activation format
// (act_type: Q8_0, Q8_1, Q8_K, F16, BF16 or F32) by quantize_act; the matmul kernel then
// computes any rectangle of y from the converted rows.
//
// DETERMINISM CONTRACT (DESIGN.md): y[m, n] must be a function of x row m and W row n only,
// reduced over K in one fixed order. A variant may tile over m and n however it likes, but
// must never split K across calls or let the order depend on the rectangle, M or threads.
struct MatmulArgs {
  const void* w;  // N rows of K elements in the weight type, row r at w + r * w_row_bytes
  size_t w_row_bytes;
  const void* x;  // M rows converted by quantize_act, row m at x + m * x_row_bytes
  size_t x_row_bytes;
  float* y;  // y[m, n] at y[m * y_stride + n]
  int64_t y_stride;
  int64_t k;  // a multiple of the weight type's block size
};
using MatmulFn = void (*)(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
using QuantizeActFn = void (*)(const float* x, void* out, int64_t k);

struct MatmulKernel {
  GgmlType weight_type;
  GgmlType act_type;
  QuantizeActFn quantize_act;
  MatmulFn matmul;
  const char* name;  // e.g. "matmul_q4_1_q8_1"
};

// ---- attention over a paged f16 KV cache ----
// K and V of one layer live in a pool of fixed-size blocks. Inside the pool, element d of kv
// head h of the token in slot s (s = physical_block * block_size + offset) is at
//   pool[((physical_block * n_head_kv + h) * block_size + offset) * head_dim + d]
// (head-major inside a block: one head's keys of a block are contiguous).
struct KvLayout {
  int32_t block_size = 0;  // tokens per block
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;
};

// One sequence's cache as attention reads it: logical token j (its position) is in block
// block_table[j / block_size] at offset j % block_size. Tokens 0..n_tokens-1 are valid.
struct KvView {
  const uint16_t* k = nullptr;  // f16 pool base (see KvLayout)
  const uint16_t* v = nullptr;
  KvLayout layout;
  std::span<const int32_t> block_table;
  int32_t n_tokens = 0;
};

struct AttentionParams {
  int32_t n_head = 0;    // query heads; a multiple of layout.n_head_kv (GQA)
  float scale = 0.0f;    // applied to q·k; 1 / sqrt(head_dim) when 0
  float softcap = 0.0f;  // if > 0: s = softcap * tanh(s / softcap) (gemma2-style)
  int32_t window = 0;    // if > 0: key j is visible to query p only if p - j < window
};

// Attention for one query head of one token at position `pos` (pos < kv.n_tokens): causal over
// keys 0..pos of the sequence. q and out hold head_dim floats; scratch holds kv.n_tokens floats.
// As llama.cpp (non-flash, f16 KV) computes it, q and the softmax probabilities are rounded to
// f16 before they meet K and V (kernels/ref/attention.cpp); every variant keeps that rounding.
using AttentionFn = void (*)(const float* q, int32_t pos, int32_t head, const KvView& kv,
                             const AttentionParams& p, float* scratch, float* out);

// ---- RoPE ----
enum class RopeMode {
  kNormal,  // "llama": rotates pairs (x[2i], x[2i+1])
  kNeox,    // "neox": rotates pairs (x[i], x[i + n_dims/2]) (qwen2, gemma3)
};
struct RopeParams {
  RopeMode mode = RopeMode::kNormal;
  int32_t n_dims = 0;  // rotated dims per head (<= head_dim; the rest pass through)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;  // linear position interpolation factor
  // Optional n_dims / 2 divisors of each pair's frequency (Llama-3 "rope_freqs"); empty = 1.
  std::span<const float> freq_factors;
};
// Rotates n_head heads of head_dim floats at x (in place), all at position pos.
using RopeFn = void (*)(float* x, int32_t n_head, int32_t head_dim, int32_t pos,
                        const RopeParams& p);

// ---- row-wise ops on f32 (n = row length) ----
using RmsNormFn = void (*)(const float* x, const float* w, float eps, float* y, int64_t n);
using BinaryFn = void (*)(const float* a, const float* b, float* y, int64_t n);
using UnaryFn = void (*)(const float* x, float* y, int64_t n);
using ScaleFn = void (*)(const float* x, float s, float* y, int64_t n);

struct KernelTable {
  const char* name;  // the variant family, "ref" for the scalar reference
  std::span<const MatmulKernel> matmul;
  AttentionFn attention_f16kv;
  RopeFn rope;
  RmsNormFn rms_norm;
  BinaryFn add, mul;
  BinaryFn silu_mul;  // y = silu(a) * b (SwiGLU)
  BinaryFn gelu_mul;  // y = gelu_tanh(a) * b (GeGLU)
  UnaryFn softmax;
  ScaleFn scale;
};

// The table picked for this host at first use (only "ref" exists so far).
const KernelTable& kernels();
// The scalar reference table (tests compare every variant against it).
const KernelTable& ref_kernels();
// The matmul kernel of `weight_type` in `table`, or nullptr if it has none.
const MatmulKernel* find_matmul(const KernelTable& table, GgmlType weight_type);

}  // namespace minke
