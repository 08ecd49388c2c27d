// The kernel table: one function pointer per op (and per weight type for matmul), filled by
// dispatch.cpp with the best variant the host supports. kernels/ref/ is the always-present
// scalar truth every other variant is tested against. Backends call kernels only through here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "gguf/ggml_type.h"

namespace minke {

// ---- matmul: y[M, N] = x[M, K] · W[N, K]^T ----
// The activations x are first converted row by row into the kernel's activation format by
// quantize_act (act_block_size elements -> act_block_bytes bytes: Q8_0, Q8_1, Q8_K, F16, BF16,
// F32 or a variant's own layout); the matmul kernel then computes any rectangle of y.
//
// Weights: a kernel with pack == nullptr reads the GGUF file's layout in place (row n at
// w + n * w_stride). A kernel with pack != nullptr reads the weight in its own layout, made once
// at load by pack(): groups ("granules") of n_granule rows, granule g at w + g * w_stride, with
// w_stride = granule_bytes(k). The last granule may hold fewer than n_granule real rows (the
// rest are zero padding); kernels never write y columns >= n.
//
// DETERMINISM CONTRACT (DESIGN.md): y[m, n] must be a function of x row m and W row n only,
// reduced over K in one fixed order. A variant may tile over m and n however it likes, but
// must never split K across calls or let the order depend on the rectangle, M or threads.
// The x86 variants go further and reduce in the reference order itself, so their results are
// bit-identical to kernels/ref/ (see kernels/simd_common/interleaved_matmul.h).
struct MatmulArgs {
  const void* w;    // the weight (file layout or packed, see above)
  size_t w_stride;  // bytes from one row (pack == nullptr) or granule (packed) to the next
  const void* x;    // M rows converted by quantize_act, row m at x + m * x_row_bytes
  size_t x_row_bytes;
  float* y;  // y[m, n] at y[m * y_stride + n]
  int64_t y_stride;
  int64_t k;  // a multiple of the weight type's block size
  int64_t n;  // rows of W (columns of y)
  // Bytes ahead in a granule stream that a kernel reading each weight once (M within one
  // register tile: decode) asks the CPU to prefetch; 0 leaves it to the hardware prefetcher.
  // A hint only: it never changes y. KernelTable::weight_prefetch says what this CPU wants.
  size_t prefetch = 0;
};
using MatmulFn = void (*)(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
using QuantizeActFn = void (*)(const float* x, void* out, int64_t k);
// Writes granule g (rows g * n_granule ...) of a [rows, k] weight whose file rows are
// src_row_bytes apart into dst (granule_bytes(k) bytes); rows past `rows` are zero padding.
using PackFn = void (*)(const void* src, size_t src_row_bytes, int64_t rows, int64_t k, int64_t g,
                        void* dst);
using GranuleBytesFn = size_t (*)(int64_t k);

struct MatmulKernel {
  GgmlType weight_type = GgmlType::F32;
  int32_t act_block_size = 0;  // activation elements per block (1 for float formats)
  int32_t act_block_bytes = 0;
  QuantizeActFn quantize_act = nullptr;
  MatmulFn matmul = nullptr;  // nullptr: this table has no kernel for weight_type
  const char* name = "";      // e.g. "matmul_q4_1_q8_1"
  int32_t n_granule = 1;      // weight rows per packed granule; n ranges split on multiples
  int32_t m_tile = 32;        // activation rows per task the kernel wants
  PackFn pack = nullptr;
  GranuleBytesFn granule_bytes = nullptr;  // set when pack is

  size_t act_row_bytes(int64_t k) const {
    return static_cast<size_t>(k / act_block_size) * static_cast<size_t>(act_block_bytes);
  }
};

// ---- attention over a paged f16 KV cache ----
// K and V of one layer live in pools of fixed-size blocks; inside a block each kv head has its
// own contiguous tile. In the tile of (physical block b, kv head h), the token at offset o:
//   K is dimension-major: element d at k_pool[((b * n_head_kv + h) * head_dim + d) * block_size +
//   o]
//     (one dimension of all the block's keys is contiguous: scores come out a block at a time),
//   V is token-major:     element d at v_pool[((b * n_head_kv + h) * block_size + o) * head_dim +
//   d]
//     (one token's values are contiguous: they are summed a row at a time).
//
// A latent layout (latent_dim > 0; Multi-head Latent Attention) has no per-head K and V: each
// token keeps one row of latent_dim f16 values, token-major (element d of slot s at
// k_pool[s * latent_dim + d]), that serves as the key of every head and whose first values are
// the value (MlaView); n_head_kv and head_dim are 0.
struct KvLayout {
  int32_t block_size = 0;  // tokens per block
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;
  int32_t latent_dim = 0;
  // A sliding-window layer's window (its queries see the last `window` positions): the cache
  // keeps only the blocks its next step reads (KvCache). 0: the whole context.
  int32_t window = 0;
};

inline int64_t kv_k_index(const KvLayout& l, int64_t block, int32_t h, int32_t o, int32_t d) {
  return ((block * l.n_head_kv + h) * l.head_dim + d) * l.block_size + o;
}
inline int64_t kv_v_index(const KvLayout& l, int64_t block, int32_t h, int32_t o, int32_t d) {
  return ((block * l.n_head_kv + h) * l.block_size + o) * l.head_dim + d;
}

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
  // If set, query head h's softmax has the learned logit sinks[h] in its denominator and no
  // value (attention sinks, gpt-oss): the maximum includes it and the sum adds
  // exp(sinks[h] - max) after the keys' sums, as ggml's soft_max with sinks does.
  const float* sinks = nullptr;
};

// A tile of query rows that share one KV head: n_tokens tokens of one sequence times the
// consecutive query heads head .. head + n_heads - 1 (decode of grouped-query attention is one
// token times its group; a prefill tile is a few tokens times it). Row r = t * n_heads + h reads
// head_dim floats at q + t * q_stride + h * head_dim and writes out + t * out_stride +
// h * head_dim; it is causal over keys 0..pos[t] of the sequence (and its sliding window). Each
// K and V value loaded serves every row of the tile; a kernel cuts a taller tile into pieces.
// scratch holds a score row of kv.n_tokens floats per row, row r at scratch + r * kv.n_tokens
// (attention work memory is linear in the context, never n x n).
//
// The arithmetic, per row, is llama.cpp's (non-flash, f16 KV; kernels/ref/attention.cpp): q
// rounded to f16, scores q·k summed over dimensions in f32 and scaled (and soft-capped), a
// two-pass softmax whose probabilities are rounded to f16 before they meet V, the value sum in
// key order in f32. The softmax sum runs chunk by chunk: the keys are cut at fixed positions
// into chunks of kAttnChunkKeys, each chunk's visible keys summed by sum_f64_lanes, the chunk
// sums added in chunk order in f64. So a long context can be split over threads (phases below)
// with the same bits, and every variant gives each row the reference's bits whatever its
// tile: prefill, decode and any batch or thread count agree.
inline constexpr int32_t kAttnChunkKeys = 512;
inline int32_t attn_chunk_of(int32_t key) { return key / kAttnChunkKeys; }
inline int32_t attn_chunks(int32_t n_tokens) { return attn_chunk_of(n_tokens - 1) + 1; }

// A decode split over threads (one token per tile) runs four phases, each over tasks the next
// phase waits for:
//   kScores: per visible chunk: its scores into the score rows, their maximum to stats.max;
//   kExp:    per visible chunk: exp(s - M) in place, M the maximum over every visible chunk's
//            stats.max, and the chunk's sum_f64_lanes to stats.sum;
//   kProbs:  per visible chunk: the probabilities in place (1 / the chunk sums added in order);
//   kValues: per slice of dimensions [dim0, dim1): the value sum over every key, to out.
// The score rows are the whole context's, shared by the tasks. Stats for row r and chunk c at
// stats[r * n_chunks + c].
enum class AttnPhase { kWhole, kScores, kExp, kProbs, kValues };
struct AttnChunkStats {
  float max = 0.0f;
  double sum = 0.0;
};

struct AttnTile {
  const float* q = nullptr;
  int64_t q_stride = 0;
  const int32_t* pos = nullptr;  // n_tokens positions, each < kv.n_tokens
  int32_t n_tokens = 1;
  int32_t head = 0;
  int32_t n_heads = 1;
  float* out = nullptr;
  int64_t out_stride = 0;
  float* scratch = nullptr;
  AttnPhase phase = AttnPhase::kWhole;  // other phases: n_tokens == 1
  int32_t chunk = 0;
  int32_t n_chunks = 0;
  AttnChunkStats* stats = nullptr;
  int32_t dim0 = 0, dim1 = 0;  // kValues: the dimensions written (multiples of 16; 0, 0: all)
};
using AttentionFn = void (*)(const AttnTile& t, const KvView& kv, const AttentionParams& p);

// ---- Multi-head Latent Attention (DeepSeek-V2/V3), absorbed form ----
// The cache row of token j (KvLayout with latent_dim = width): the compressed KV (kv_lora_rank
// values, normed) then the shared RoPE key. Query head h is a width-wide row: the head's query
// folded through its key up-projection (kv_lora_rank values) then its rotated RoPE part; the
// output of head h is the softmax-weighted sum of the first v_width values of the rows.
struct MlaView {
  const uint16_t* rows = nullptr;  // the f16 latent pool
  int32_t block_size = 0;
  int32_t width = 0;    // latent_dim
  int32_t v_width = 0;  // kv_lora_rank
  std::span<const int32_t> block_table;
  int32_t n_tokens = 0;
};
// The widest latent row the kernels take (DeepSeek-V3: 576); models refuse wider ones at load.
inline constexpr int32_t kMaxMlaWidth = 2048;
// The scratch an MlaAttentionFn call needs: a score row and a rounded query per head.
inline int64_t mla_scratch_floats(int32_t n_head, int32_t n_tokens, int32_t width) {
  return int64_t{n_head} * (n_tokens + width);
}
// Causal attention of n_head query heads of one token at `pos` over keys 0..pos: head h reads
// q + h * q_head_stride (width floats) and writes out + h * out_head_stride (v_width floats);
// scratch holds mla_scratch_floats(n_head, kv.n_tokens, kv.width) floats. The arithmetic is
// attention_f16kv's (q and the probabilities rounded to f16) but for the q·k dot, summed in 16
// lanes (kernels/ref/attention_mla.cpp); scale multiplies every q·k.
using MlaAttentionFn = void (*)(const float* q, int64_t q_head_stride, int32_t n_head, int32_t pos,
                                const MlaView& kv, float scale, float* scratch, float* out,
                                int64_t out_head_stride);

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
  // YaRN (Peng et al. 2023) when ext_factor != 0: pair i turns by a blend of the interpolated
  // angle (freq_scale * theta) and the original one, ramping from the original for the fast
  // pairs (below the correction dim of beta_fast) to the interpolated for the slow ones (above
  // that of beta_slow), the correction dims computed from n_ctx_orig as ggml does: rounded out
  // to whole pairs (floor, ceil) unless yarn_truncate is off (gpt-oss's reference YaRN).
  float ext_factor = 0.0f;
  bool yarn_truncate = true;
  float beta_fast = 32.0f;
  float beta_slow = 1.0f;
  int32_t n_ctx_orig = 0;
  // cos and sin are multiplied by it (under YaRN also by 1 + 0.1 ln(1 / freq_scale)).
  float attn_factor = 1.0f;
};
// Rotates n_head heads of head_dim floats at x (in place), all at position pos.
using RopeFn = void (*)(float* x, int32_t n_head, int32_t head_dim, int32_t pos,
                        const RopeParams& p);

// ---- mixture-of-experts routing ----
enum class Gating {
  kSoftmax,  // probabilities = softmax over all experts (DeepSeek-V2, Qwen3-MoE)
  kSigmoid,  // probabilities = sigmoid of each logit (DeepSeek-V3)
  // The top n_used logits are chosen, their weights the softmax over those n_used alone
  // (gpt-oss; llama.cpp's SOFTMAX_WEIGHT).
  kSoftmaxChosen,
};
struct RouteParams {
  int32_t n_expert = 0;
  int32_t n_used = 0;  // experts chosen per token (top-k)
  Gating gating = Gating::kSoftmax;
  // Group-limited selection (DeepSeek): the experts form n_group equal groups, only the
  // n_group_used best groups compete. A group's score is the sum of its two best selection
  // scores for sigmoid gating (V3's noaux_tc) and its best one for softmax (V2's
  // group_limited_greedy). n_group <= 1: no groups.
  int32_t n_group = 1;
  int32_t n_group_used = 1;
  bool norm_weights = false;   // divide the chosen probabilities by their sum (clamped >= 2^-14)
  float weights_scale = 1.0f;  // then multiply them by this (routed_scaling_factor)
};
// Routes one token: from n_expert router logits (and, if bias != nullptr, the per-expert
// selection bias that only ranks, DeepSeek-V3's e_score_correction_bias) writes the n_used
// chosen experts to ids, best first (ties: the lower id), and their weights (the unbiased
// probabilities, normalised and scaled as p says). scratch holds 2 * n_expert floats.
// The most expert groups routing takes (DeepSeek-V3: 8); models refuse more at load.
inline constexpr int32_t kMaxExpertGroups = 256;
using RouteFn = void (*)(const float* logits, const float* bias, const RouteParams& p,
                         float* scratch, int32_t* ids, float* weights);

// ---- Gated DeltaNet (Qwen3.5 / Qwen3-Next linear attention) ----
// The causal depthwise convolution over one sequence's rows, then SiLU, for channels [c0, c1):
// y[t][c] = silu(sum_i in[t + i][c] * kernel[c * width + i]), i < width, where in is the
// sequence's previous width - 1 inputs (tail) followed by x's n_rows rows. The tail, channel
// by channel ([n_ch][width - 1], oldest first), is then replaced by the last width - 1 inputs.
struct CausalConvArgs {
  const float* x = nullptr;  // [n_rows, x_stride]
  int64_t x_stride = 0;
  int64_t n_rows = 0;
  int64_t n_ch = 0;
  int32_t width = 0;
  const float* kernel = nullptr;  // [n_ch][width]
  float* tail = nullptr;          // [n_ch][width - 1]
  float* y = nullptr;             // [n_rows, y_stride]
  int64_t y_stride = 0;
};
using CausalConvFn = void (*)(const CausalConvArgs& a, int64_t c0, int64_t c1);

// The gated delta rule of one value head over one sequence's rows, token by token: with
// decay = exp(a * softplus(alpha + dt_bias)) and beta = sigmoid(beta_logit),
//   S <- decay * S;  d = beta * (v - S k);  S <- S + d k^T;  out = scale * S q
// S [d_v][d_k] (row j: value dim j) is the head's state, read and left updated. q and k are the
// head's L2-normalised query and key rows (d_k), v its value row (d_v).
struct DeltaRuleArgs {
  const float* q = nullptr;  // row t at q + t * qk_stride
  const float* k = nullptr;
  int64_t qk_stride = 0;
  const float* v = nullptr;  // row t at v + t * v_stride
  int64_t v_stride = 0;
  const float* beta_logit = nullptr;  // row t's at beta_logit[t * beta_stride]
  int64_t beta_stride = 0;
  const float* alpha = nullptr;  // row t's at alpha[t * alpha_stride]
  int64_t alpha_stride = 0;
  float dt_bias = 0.0f;
  float a = 0.0f;  // -exp(A_log), as the file stores it
  float scale = 0.0f;
  float* state = nullptr;  // [d_v][d_k]
  float* out = nullptr;    // row t at out + t * out_stride (d_v values)
  int64_t out_stride = 0;
  int32_t d_k = 0, d_v = 0;
  int64_t n_rows = 0;
};
using DeltaRuleFn = void (*)(const DeltaRuleArgs& a);
// The kernels sum the rule's dot products in 16 lanes: d_k must be a multiple of it.
inline constexpr int32_t kDeltaNetLanes = 16;

// ---- row-wise ops on f32 (n = row length) ----
using RmsNormFn = void (*)(const float* x, const float* w, float eps, float* y, int64_t n);
using BinaryFn = void (*)(const float* a, const float* b, float* y, int64_t n);
using UnaryFn = void (*)(const float* x, float* y, int64_t n);
using ScaleFn = void (*)(const float* x, float s, float* y, int64_t n);
// y = x / max(||x||_2, eps) (ggml's l2_norm: the sum of squares in double).
using L2NormFn = void (*)(const float* x, float eps, float* y, int64_t n);
// gpt-oss's clamped SwiGLU (ggml's swiglu_oai): g = min(a, limit), u = clamp(b, -limit, limit),
// y = g / (1 + exp(-alpha g)) * (u + 1).
using ClampedGluFn = void (*)(const float* a, const float* b, float alpha, float limit, float* y,
                              int64_t n);
// y += x * s (the product rounded to f32, then added: no fused multiply-add).
using ScaleAddFn = void (*)(const float* x, float s, float* y, int64_t n);
using F32ToF16Fn = void (*)(const float* x, uint16_t* y, int64_t n);
// n elements of a weight row in its GGUF type -> f32 (embedding lookups).
using DequantizeFn = void (*)(const void* row, float* y, int64_t n);

// One slot per GGUF type id (GgmlType values are below this).
inline constexpr size_t kMatmulSlots = 48;

// A kernel table is the reference table with entries overridden: each ISA folder registers only
// what it does better (register_*_kernels), so an op it lacks falls back to the one below it.
struct KernelTable {
  const char* name = "";                            // the path: "ref", "avx2", "avx512"
  std::array<MatmulKernel, kMatmulSlots> matmul{};  // indexed by GgmlType
  AttentionFn attention_f16kv = nullptr;
  MlaAttentionFn attention_mla_f16 = nullptr;
  int32_t attention_tile_rows = 4;  // query rows per attention_f16kv piece the kernel wants
  size_t weight_prefetch = 0;       // MatmulArgs::prefetch for this CPU (dispatch.cpp)
  RopeFn rope = nullptr;
  RmsNormFn rms_norm = nullptr;
  BinaryFn add = nullptr, mul = nullptr;
  BinaryFn silu_mul = nullptr;              // y = silu(a) * b (SwiGLU)
  BinaryFn gelu_mul = nullptr;              // y = gelu_tanh(a) * b (GeGLU)
  BinaryFn sigmoid_mul = nullptr;           // y = sigmoid(a) * b (gated attention)
  ClampedGluFn clamped_silu_mul = nullptr;  // gpt-oss's SwiGLU
  UnaryFn softmax = nullptr;
  ScaleFn scale = nullptr;
  ScaleAddFn scale_add = nullptr;  // weighted sums of expert outputs
  RouteFn route = nullptr;
  L2NormFn l2_norm = nullptr;
  CausalConvFn causal_conv_silu = nullptr;  // Gated DeltaNet
  DeltaRuleFn delta_rule = nullptr;
  F32ToF16Fn f32_to_f16 = nullptr;                      // KV cache stores (round to nearest even)
  std::array<DequantizeFn, kMatmulSlots> dequantize{};  // get_rows, indexed by GgmlType

  void set_matmul(const MatmulKernel& k) { matmul[static_cast<size_t>(k.weight_type)] = k; }
};

// A kernel path compiled into this binary, and whether this CPU can run it.
struct KernelPath {
  const char* name;          // "ref", "avx2", "avx512"
  const KernelTable* table;  // nullptr when the CPU cannot run it
  const char* needs;         // the CPU features it needs, e.g. "avx2 fma f16c"
  std::string missing;       // those this CPU lacks (empty when table != nullptr)
};

// Every path compiled in, lowest first ("ref" always runs).
std::span<const KernelPath> kernel_paths();
// The tables this CPU can run, lowest first: tests run every one against "ref".
std::vector<const KernelTable*> host_kernel_tables();
// The table in use: the best this CPU runs, or the one MINKE_KERNELS names
// (ref|avx2|avx2_vnni|avx512|amx). Throws minke::Error when MINKE_KERNELS names an unknown path or
// one this CPU cannot run.
const KernelTable& kernels();
// The scalar reference table (tests compare every variant against it).
const KernelTable& ref_kernels();
// The matmul kernel of `weight_type` in `table`, or nullptr if it has none.
const MatmulKernel* find_matmul(const KernelTable& table, GgmlType weight_type);

}  // namespace minke
