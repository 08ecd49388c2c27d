// Reference Multi-head Latent Attention (absorbed form) over the f16 latent cache: for each
// query head, scores f16(q)·row_j over the whole row (compressed KV and RoPE key) summed in f32
// in kMlaLanes lanes (element d into lane d % kMlaLanes, in order) folded in halves, scaled, a
// softmax summed by sum_f64_lanes, probabilities rounded to f16, then the sum of
// p_j * row_j[0, v_width) in f32, key order: attention_row_f16kv_f32's arithmetic (but for its
// chunked softmax sum: one sum_f64_lanes here) with one shared KV head whose value is the front of
// its key (llama.cpp's MLA graph, f16 cache, no flash), the dot in an order SIMD lanes running
// along a token-major row reproduce bit for bit.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/check.h"
#include "core/fp16.h"
#include "kernels/ref/fp16_table.h"
#include "kernels/ref/ops.h"

namespace minke {
namespace {

void head_attention(const float* q, int32_t pos, const MlaView& kv, float scale, const float* f16,
                    float* scores, float* out) {
  std::array<float, kMaxMlaWidth> q16;
  for (int32_t d = 0; d < kv.width; ++d) {
    q16[static_cast<size_t>(d)] = fp16_lut(f16, f32_to_fp16(q[d]));
  }
  float max = -INFINITY;
  for (int32_t j = 0; j <= pos; ++j) {
    const uint16_t* row = kv.rows + mla_row_at(kv, j);
    float lane[kMlaLanes] = {};
    for (int32_t d = 0; d < kv.width; ++d) {
      lane[d % kMlaLanes] += q16[static_cast<size_t>(d)] * fp16_lut(f16, row[d]);
    }
    scores[j] = mla_fold_lanes(lane) * scale;
    max = std::fmax(max, scores[j]);
  }
  for (int32_t j = 0; j <= pos; ++j) scores[j] = exp_f32(scores[j] - max);
  const float inv = static_cast<float>(1.0 / sum_f64_lanes(scores, pos + 1));
  std::fill(out, out + kv.v_width, 0.0f);
  for (int32_t j = 0; j <= pos; ++j) {
    const uint16_t* row = kv.rows + mla_row_at(kv, j);
    const float pj = scores[j] = fp16_lut(f16, f32_to_fp16(scores[j] * inv));
    for (int32_t d = 0; d < kv.v_width; ++d) out[d] += pj * fp16_lut(f16, row[d]);
  }
}

}  // namespace

void attention_mla_f16_f32(const float* q, int64_t q_head_stride, int32_t n_head, int32_t pos,
                           const MlaView& kv, float scale, float* scratch, float* out,
                           int64_t out_head_stride) {
  MINKE_DCHECK(pos >= 0 && pos < kv.n_tokens);
  MINKE_DCHECK(kv.width <= kMaxMlaWidth && kv.v_width <= kv.width);
  const float* f16 = fp16_table();
  for (int32_t h = 0; h < n_head; ++h) {
    head_attention(q + h * q_head_stride, pos, kv, scale, f16, scratch + int64_t{h} * kv.n_tokens,
                   out + h * out_head_stride);
  }
}

}  // namespace minke
