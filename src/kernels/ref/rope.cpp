// Reference rotary position embedding (normal and NeoX pair layouts, partial rotation,
// linear frequency scaling, per-pair frequency factors), mirroring ggml's angle arithmetic.
#include <cmath>

#include "core/check.h"
#include "kernels/ref/ops.h"

namespace minke {

void rope_f32(float* x, int32_t n_head, int32_t head_dim, int32_t pos, const RopeParams& p) {
  const int32_t n_dims = p.n_dims;
  MINKE_DCHECK(n_dims > 0 && n_dims % 2 == 0 && n_dims <= head_dim);
  MINKE_DCHECK(p.freq_factors.empty() || p.freq_factors.size() == static_cast<size_t>(n_dims / 2));
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(n_dims));
  const int32_t half = n_dims / 2;
  for (int32_t h = 0; h < n_head; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    // theta_i = pos * theta_scale^i by running product, as ggml's rope cache builds it.
    float theta = static_cast<float>(pos);
    for (int32_t i = 0; i < half; ++i) {
      const float ff = p.freq_factors.empty() ? 1.0f : p.freq_factors[static_cast<size_t>(i)];
      const float angle = p.freq_scale * (theta / ff);
      const float c = std::cos(angle), s = std::sin(angle);
      const int32_t i0 = p.mode == RopeMode::kNormal ? 2 * i : i;
      const int32_t i1 = p.mode == RopeMode::kNormal ? 2 * i + 1 : i + half;
      const float x0 = v[i0], x1 = v[i1];
      const float a0 = x0 * c, b0 = x1 * s, a1 = x0 * s, b1 = x1 * c;
      v[i0] = a0 - b0;
      v[i1] = a1 + b1;
      theta *= theta_scale;
    }
  }
}

}  // namespace minke
