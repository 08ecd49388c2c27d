// Reference Gated DeltaNet kernels: the causal convolution with SiLU, the gated delta rule of one
// value head, and the L2 norm of its queries and keys (see kernel_table.h).
#include <math.h>  // logf: the C function the SIMD paths call too

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/ref/ops.h"

namespace minke {

static_assert(kDeltaNetLanes == kMlaLanes, "the rule's sums fold as mla_fold_lanes does");

void causal_conv_silu_f32(const CausalConvArgs& a, int64_t c0, int64_t c1) {
  const int32_t w = a.width;
  const int32_t n_tail = w - 1;
  for (int64_t c = c0; c < c1; ++c) {
    const float* kernel = a.kernel + c * w;
    float* tail = a.tail + c * n_tail;
    // in[j]: the tail for j < n_tail, then x's rows.
    const auto in = [&](int64_t j) {
      return j < n_tail ? tail[j] : a.x[(j - n_tail) * a.x_stride + c];
    };
    for (int64_t t = 0; t < a.n_rows; ++t) {
      float sum = 0.0f;
      for (int32_t i = 0; i < w; ++i) sum += in(t + i) * kernel[i];
      a.y[t * a.y_stride + c] = sum / (1.0f + exp_f32(-sum));
    }
    // The new tail: the last n_tail inputs. Read in increasing order, each value from a place at
    // or after the one it overwrites, so the old tail is never clobbered before it is read.
    for (int32_t j = 0; j < n_tail; ++j) tail[j] = in(a.n_rows + j);
  }
}

DeltaGates delta_gates(const DeltaRuleArgs& a, int64_t t) {
  const float x = a.alpha[t * a.alpha_stride] + a.dt_bias;
  const float softplus = x > 20.0f ? x : logf(1.0f + exp_f32(x));
  return {.decay = exp_f32(softplus * a.a),
          .beta = 1.0f / (1.0f + exp_f32(-a.beta_logit[t * a.beta_stride]))};
}

void delta_rule_f32(const DeltaRuleArgs& a) {
  const int32_t dk = a.d_k;
  for (int64_t t = 0; t < a.n_rows; ++t) {
    const float* q = a.q + t * a.qk_stride;
    const float* k = a.k + t * a.qk_stride;
    const float* v = a.v + t * a.v_stride;
    float* out = a.out + t * a.out_stride;
    const DeltaGates g = delta_gates(a, t);
    for (int32_t j = 0; j < a.d_v; ++j) {
      float* s = a.state + int64_t{j} * dk;  // row j: value dim j over the key dims
      float lane[kMlaLanes] = {};
      for (int32_t i = 0; i < dk; ++i) {
        s[i] *= g.decay;
        lane[i % kMlaLanes] += s[i] * k[i];
      }
      const float d = (v[j] - mla_fold_lanes(lane)) * g.beta;
      std::fill(lane, lane + kMlaLanes, 0.0f);
      for (int32_t i = 0; i < dk; ++i) {
        s[i] += k[i] * d;
        lane[i % kMlaLanes] += s[i] * q[i];
      }
      out[j] = mla_fold_lanes(lane) * a.scale;
    }
  }
}

void l2_norm_f32(const float* x, float eps, float* y, int64_t n) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float sq = x[i] * x[i];
    sum += static_cast<double>(sq);
  }
  const float scale = 1.0f / std::fmax(std::sqrt(static_cast<float>(sum)), eps);
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
}

}  // namespace minke
