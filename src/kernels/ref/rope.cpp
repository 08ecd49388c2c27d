// Reference rotary position embedding (normal and NeoX pair layouts, partial rotation,
// linear frequency scaling, per-pair frequency factors, YaRN), mirroring ggml's angle arithmetic.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/check.h"
#include "kernels/ref/ops.h"

namespace minke {
namespace {

// The pair index at which a rotation of n_rot turns per n_ctx_orig tokens sits (YaRN).
float yarn_corr_dim(int32_t n_dims, int32_t n_ctx_orig, float n_rot, float base) {
  return static_cast<float>(n_dims) *
         std::log(static_cast<float>(n_ctx_orig) / (n_rot * 2.0f * std::numbers::pi_v<float>)) /
         (2.0f * std::log(base));
}

// Weight of the original (extrapolated) angle for the pair starting at element i0.
float yarn_ramp(float low, float high, int32_t i0) {
  const float y = (static_cast<float>(i0 / 2) - low) / std::max(0.001f, high - low);
  return 1.0f - std::min(1.0f, std::max(0.0f, y));
}

}  // namespace

void rope_f32(float* x, int32_t n_head, int32_t head_dim, int32_t pos, const RopeParams& p) {
  const int32_t n_dims = p.n_dims;
  MINKE_DCHECK(n_dims > 0 && n_dims % 2 == 0 && n_dims <= head_dim);
  MINKE_DCHECK(p.freq_factors.empty() || p.freq_factors.size() == static_cast<size_t>(n_dims / 2));
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(n_dims));
  const int32_t half = n_dims / 2;
  float corr_lo = 0.0f, corr_hi = 0.0f, mscale = p.attn_factor;
  if (p.ext_factor != 0.0f) {
    corr_lo = yarn_corr_dim(n_dims, p.n_ctx_orig, p.beta_fast, p.freq_base);
    corr_hi = yarn_corr_dim(n_dims, p.n_ctx_orig, p.beta_slow, p.freq_base);
    if (p.yarn_truncate) {
      corr_lo = std::floor(corr_lo);
      corr_hi = std::ceil(corr_hi);
    }
    corr_lo = std::max(0.0f, corr_lo);
    corr_hi = std::min(static_cast<float>(n_dims - 1), corr_hi);
    mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
  }
  for (int32_t h = 0; h < n_head; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    // theta_i = pos * theta_scale^i by running product, as ggml's rope cache builds it.
    float theta = static_cast<float>(pos);
    for (int32_t i = 0; i < half; ++i) {
      const float ff = p.freq_factors.empty() ? 1.0f : p.freq_factors[static_cast<size_t>(i)];
      const float extrap = theta / ff;
      float angle = p.freq_scale * extrap;
      if (p.ext_factor != 0.0f) {
        const float mix = yarn_ramp(corr_lo, corr_hi, 2 * i) * p.ext_factor;
        angle = angle * (1.0f - mix) + extrap * mix;
      }
      const float c = std::cos(angle) * mscale, s = std::sin(angle) * mscale;
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
