// Least-squares searches for the per-sub-block scale (and min) that K-quant quantizers use:
// try a sweep of candidate inverse scales, round to the integer grid, solve the weighted
// least-squares problem for the continuous parameters, keep the lowest-error candidate.
#pragma once

#include <cstdint>

namespace minke {

// x ~= scale * L + min with L in 0..nmax and min <= 0, minimising sum w * err^2.
// Writes the chosen L (n entries). scale >= 0.
struct AffineFit {
  float scale;
  float min;  // <= 0; the value q == 0 decodes to
};
AffineFit fit_affine(const float* x, const float* w, int n, int nmax, uint8_t* L);

// x ~= scale * L with L in -(nmax + 1)..nmax, minimising sum w * err^2. Writes L; the scale
// may be negative (the largest-magnitude element maps to the longer, negative side).
float fit_symmetric(const float* x, const float* w, int n, int nmax, int8_t* L);

}  // namespace minke
