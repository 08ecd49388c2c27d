// Candidate-sweep + weighted least squares fits for K-quant sub-blocks (see scale_fit.h).
// Sums are accumulated in double: this is a reference path and the extra precision makes the
// chosen fit independent of summation order.
#include "quant/scale_fit.h"

#include <algorithm>
#include <cmath>

namespace minke {
namespace {

constexpr int kSweepSteps = 20;      // candidates per fit (plus the plain min/max one)
constexpr float kSweepWidth = 1.0f;  // candidates span nmax - 1 .. nmax + 1 grid steps
constexpr float kSweepStep = 2.0f * kSweepWidth / kSweepSteps;

inline int round_clamp(float v, int lo, int hi) {
  const int q = static_cast<int>(std::nearbyint(v));
  return std::clamp(q, lo, hi);
}

double affine_error(const float* x, const float* w, int n, const uint8_t* L, float scale,
                    float min) {
  double err = 0;
  for (int i = 0; i < n; ++i) {
    const double diff = static_cast<double>(scale) * L[i] + min - x[i];
    err += w[i] * diff * diff;
  }
  return err;
}

}  // namespace

AffineFit fit_affine(const float* x, const float* w, int n, int nmax, uint8_t* L) {
  float lo = 0.0f, hi = x[0];  // lo <= 0: the format's min is never positive
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  if (!(hi > lo)) {
    std::fill(L, L + n, uint8_t{0});
    return {0.0f, lo};
  }
  // Start from the plain min/max grid.
  AffineFit best{(hi - lo) / static_cast<float>(nmax), lo};
  for (int i = 0; i < n; ++i)
    L[i] = static_cast<uint8_t>(round_clamp((x[i] - lo) / best.scale, 0, nmax));
  double best_err = affine_error(x, w, n, L, best.scale, best.min);

  uint8_t cand[256];
  for (int step = 0; step <= kSweepSteps; ++step) {
    const float iscale = (static_cast<float>(nmax) - kSweepWidth + kSweepStep * step) / (hi - lo);
    double sw = 0, sl = 0, sl2 = 0, sx = 0, sxl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = round_clamp(iscale * (x[i] - lo), 0, nmax);
      cand[i] = static_cast<uint8_t>(l);
      sw += w[i];
      sl += w[i] * l;
      sl2 += w[i] * l * l;
      sx += w[i] * x[i];
      sxl += w[i] * l * x[i];
    }
    // Normal equations of min_{s,m} sum w (s l + m - x)^2.
    const double det = sw * sl2 - sl * sl;
    if (det <= 0) continue;
    double s = (sw * sxl - sx * sl) / det;
    double m = (sl2 * sx - sl * sxl) / det;
    if (m > 0) {  // the format cannot store a positive min: refit the scale with m = 0
      m = 0;
      s = sxl / sl2;
    }
    const double err = affine_error(x, w, n, cand, static_cast<float>(s), static_cast<float>(m));
    if (err < best_err) {
      best_err = err;
      best = {static_cast<float>(s), static_cast<float>(m)};
      std::copy(cand, cand + n, L);
    }
  }
  return best;
}

float fit_symmetric(const float* x, const float* w, int n, int nmax, int8_t* L) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax == 0.0f) {
    std::fill(L, L + n, int8_t{0});
    return 0.0f;
  }
  std::fill(L, L + n, int8_t{0});
  const int lo = -(nmax + 1);
  double best_err = -1;
  float best_scale = 0.0f;
  int8_t cand[256];
  for (int step = 0; step <= kSweepSteps; ++step) {
    // Map the largest-magnitude element near the negative end, which has one more level.
    const float iscale = -(static_cast<float>(nmax + 1) - kSweepWidth + kSweepStep * step) / max;
    double sxl = 0, sl2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = round_clamp(iscale * x[i], lo, nmax);
      cand[i] = static_cast<int8_t>(l);
      sxl += w[i] * l * x[i];
      sl2 += w[i] * l * l;
    }
    if (sl2 <= 0) continue;
    const float s = static_cast<float>(sxl / sl2);
    double err = 0;
    for (int i = 0; i < n; ++i) {
      const double diff = static_cast<double>(s) * cand[i] - x[i];
      err += w[i] * diff * diff;
    }
    if (best_err < 0 || err < best_err) {
      best_err = err;
      best_scale = s;
      std::copy(cand, cand + n, L);
    }
  }
  return best_scale;
}

}  // namespace minke
