// Reference attention of one query head over a sequence's paged f16 K/V, in llama.cpp's
// (non-flash, f16 KV) arithmetic: q rounded to f16, scores f16(q)·k summed in f32, scaled,
// optional soft-cap, causal and sliding-window visibility, a softmax summed by sum_f64_lanes,
// probabilities rounded to f16, then the sum of p_j * V rows in f32, key order.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/check.h"
#include "core/fp16.h"
#include "kernels/ref/fp16_table.h"
#include "kernels/ref/ops.h"

namespace minke {
namespace {

// Largest head_dim the on-stack f16 copy of q holds (the hot path must not allocate).
constexpr int32_t kMaxHeadDim = 1024;

// f32 -> nearest f16 -> f32, through the table (what ggml's f32 -> f16 conversion yields).
inline float round_f16(const float* table, float x) { return fp16_lut(table, f32_to_fp16(x)); }

}  // namespace

void attention_row_f16kv_f32(const float* q, int32_t pos, int32_t head, const KvView& kv,
                             const AttentionParams& p, float* scratch, float* out) {
  const KvLayout& l = kv.layout;
  MINKE_DCHECK(pos >= 0 && pos < kv.n_tokens);
  MINKE_DCHECK(p.n_head % l.n_head_kv == 0);
  MINKE_DCHECK(l.head_dim <= kMaxHeadDim);
  const int32_t kv_head = head / (p.n_head / l.n_head_kv);
  const int32_t first = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
  const float scale = p.scale != 0.0f ? p.scale : 1.0f / std::sqrt(static_cast<float>(l.head_dim));
  const float* f16 = fp16_table();

  // llama.cpp multiplies the f16 K cache by q with ggml's f16 matmul, which first converts the
  // f32 activation row to f16: matching it removes most of the difference to its logits.
  std::array<float, kMaxHeadDim> q16;
  for (int32_t d = 0; d < l.head_dim; ++d) q16[static_cast<size_t>(d)] = round_f16(f16, q[d]);

  float max = -INFINITY;
  for (int32_t j = first; j <= pos; ++j) {
    const uint16_t* k = kv.k + kv_k_at(kv, j, kv_head, 0);  // element d at k[d * block_size]
    float dot = 0.0f;
    for (int32_t d = 0; d < l.head_dim; ++d) {
      dot += q16[static_cast<size_t>(d)] * fp16_lut(f16, k[int64_t{d} * l.block_size]);
    }
    float s = dot * scale;
    if (p.softcap > 0.0f) s = p.softcap * std::tanh(s / p.softcap);
    scratch[j] = s;
    max = std::fmax(max, s);
  }
  for (int32_t j = first; j <= pos; ++j) scratch[j] = exp_f32(scratch[j] - max);
  const float inv = static_cast<float>(1.0 / sum_f64_lanes(scratch + first, pos - first + 1));
  std::fill(out, out + l.head_dim, 0.0f);
  for (int32_t j = first; j <= pos; ++j) {
    const uint16_t* v = kv.v + kv_v_row(kv, j, kv_head);
    // The probabilities meet the f16 V cache in the same f16 matmul: rounded to f16 as well.
    const float pj = round_f16(f16, scratch[j] * inv);
    for (int32_t d = 0; d < l.head_dim; ++d) out[d] += pj * fp16_lut(f16, v[d]);
  }
}

void attention_f16kv_f32(const AttnTile& t, const KvView& kv, const AttentionParams& p) {
  const int32_t hd = kv.layout.head_dim;
  for (int32_t i = 0; i < t.n_tokens; ++i) {
    for (int32_t h = 0; h < t.n_heads; ++h) {
      attention_row_f16kv_f32(t.q + i * t.q_stride + int64_t{h} * hd, t.pos[i], t.head + h, kv, p,
                              t.scratch, t.out + i * t.out_stride + int64_t{h} * hd);
    }
  }
}

}  // namespace minke
