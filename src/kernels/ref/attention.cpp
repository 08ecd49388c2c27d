// Reference attention of one query head over a sequence's paged f16 K/V: scores q·k in f32
// (K widened from f16), optional soft-cap, causal and sliding-window visibility, a softmax
// with the sum in double, then the probability-weighted sum of V rows in f32, key order.
#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "kernels/ref/fp16_table.h"
#include "kernels/ref/ops.h"

namespace minke {

void attention_f16kv_f32(const float* q, int32_t pos, int32_t head, const KvView& kv,
                         const AttentionParams& p, float* scratch, float* out) {
  const KvLayout& l = kv.layout;
  MINKE_CHECK(pos >= 0 && pos < kv.n_tokens);
  MINKE_CHECK(p.n_head % l.n_head_kv == 0);
  const int32_t kv_head = head / (p.n_head / l.n_head_kv);
  const int32_t first = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
  const float scale = p.scale != 0.0f ? p.scale : 1.0f / std::sqrt(static_cast<float>(l.head_dim));

  const float* f16 = fp16_table();
  float max = -INFINITY;
  for (int32_t j = first; j <= pos; ++j) {
    const uint16_t* k = kv.k + kv_offset(kv, j, kv_head);
    float dot = 0.0f;
    for (int32_t d = 0; d < l.head_dim; ++d) dot += q[d] * fp16_lut(f16, k[d]);
    float s = dot * scale;
    if (p.softcap > 0.0f) s = p.softcap * std::tanh(s / p.softcap);
    scratch[j] = s;
    max = std::fmax(max, s);
  }
  double sum = 0.0;
  for (int32_t j = first; j <= pos; ++j) {
    scratch[j] = std::exp(scratch[j] - max);
    sum += static_cast<double>(scratch[j]);
  }
  const float inv = static_cast<float>(1.0 / sum);
  std::fill(out, out + l.head_dim, 0.0f);
  for (int32_t j = first; j <= pos; ++j) {
    const uint16_t* v = kv.v + kv_offset(kv, j, kv_head);
    const float pj = scratch[j] * inv;
    for (int32_t d = 0; d < l.head_dim; ++d) out[d] += pj * fp16_lut(f16, v[d]);
  }
}

}  // namespace minke
