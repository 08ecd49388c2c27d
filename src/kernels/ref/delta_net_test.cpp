// The Gated DeltaNet reference kernels against a double-precision transcription of their
// formulas (the issue's: S <- e^g S; u = beta (v - S k); S <- S + u k^T; o = S q / sqrt(d_k)),
// and the convolution's tail: rows given in several calls give the bits of one call.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/ref/ops.h"

namespace minke {
namespace {

std::vector<float> normal(std::mt19937& rng, size_t n, float std) {
  std::normal_distribution<float> d(0.0f, std);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(DeltaNetKernels, DeltaRuleMatchesTheFormulaInDouble) {
  constexpr int32_t dk = 8, dv = 6, n = 7;
  std::mt19937 rng(41);
  std::vector<float> q = normal(rng, n * dk, 1.0f), k = normal(rng, n * dk, 1.0f);
  for (int32_t t = 0; t < n; ++t) {  // L2-normalised, as the block hands them over
    l2_norm_f32(&q[t * dk], 1e-6f, &q[t * dk], dk);
    l2_norm_f32(&k[t * dk], 1e-6f, &k[t * dk], dk);
  }
  const std::vector<float> v = normal(rng, n * dv, 1.0f), b = normal(rng, n, 2.0f),
                           alpha = normal(rng, n, 2.0f);
  std::vector<float> state = normal(rng, dv * dk, 0.5f), out(n * dv);
  const float dt_bias = 0.3f, a = -1.7f, scale = 1.0f / std::sqrt(float{dk});
  std::vector<double> s(state.begin(), state.end());
  delta_rule_f32({.q = q.data(),
                  .k = k.data(),
                  .qk_stride = dk,
                  .v = v.data(),
                  .v_stride = dv,
                  .beta_logit = b.data(),
                  .beta_stride = 1,
                  .alpha = alpha.data(),
                  .alpha_stride = 1,
                  .dt_bias = dt_bias,
                  .a = a,
                  .scale = scale,
                  .state = state.data(),
                  .out = out.data(),
                  .out_stride = dv,
                  .d_k = dk,
                  .d_v = dv,
                  .n_rows = n});
  for (int32_t t = 0; t < n; ++t) {
    const double g = a * std::log1p(std::exp(double{alpha[t]} + dt_bias));
    const double beta = 1.0 / (1.0 + std::exp(-double{b[t]}));
    for (int32_t j = 0; j < dv; ++j) {
      double sk = 0.0;
      for (int32_t i = 0; i < dk; ++i) {
        s[j * dk + i] *= std::exp(g);
        sk += s[j * dk + i] * k[t * dk + i];
      }
      const double u = beta * (v[t * dv + j] - sk);
      double o = 0.0;
      for (int32_t i = 0; i < dk; ++i) {
        s[j * dk + i] += u * k[t * dk + i];
        o += s[j * dk + i] * q[t * dk + i];
      }
      EXPECT_NEAR(out[t * dv + j], o * scale, 1e-5 * (1.0 + std::abs(o)))
          << "row " << t << " value " << j;
    }
  }
  for (int32_t i = 0; i < dv * dk; ++i) EXPECT_NEAR(state[i], s[i], 1e-5 * (1.0 + std::abs(s[i])));
}

TEST(DeltaNetKernels, ConvolutionMatchesTheFormulaAndSplitsExactly) {
  constexpr int32_t w = 4, n_ch = 5, n = 6;
  std::mt19937 rng(42);
  const std::vector<float> x = normal(rng, n * n_ch, 1.0f), kernel = normal(rng, n_ch * w, 0.5f);
  const std::vector<float> tail0 = normal(rng, n_ch * (w - 1), 1.0f);
  std::vector<float> tail = tail0, y(n * n_ch);
  causal_conv_silu_f32({.x = x.data(),
                        .x_stride = n_ch,
                        .n_rows = n,
                        .n_ch = n_ch,
                        .width = w,
                        .kernel = kernel.data(),
                        .tail = tail.data(),
                        .y = y.data(),
                        .y_stride = n_ch},
                       0, n_ch);
  for (int32_t c = 0; c < n_ch; ++c) {
    // The input history of channel c: its old tail, then x's rows.
    std::vector<double> in(tail0.begin() + c * (w - 1), tail0.begin() + (c + 1) * (w - 1));
    for (int32_t t = 0; t < n; ++t) in.push_back(x[t * n_ch + c]);
    for (int32_t t = 0; t < n; ++t) {
      double sum = 0.0;
      for (int32_t i = 0; i < w; ++i) sum += in[t + i] * kernel[c * w + i];
      EXPECT_NEAR(y[t * n_ch + c], sum / (1.0 + std::exp(-sum)), 1e-5) << t << " " << c;
    }
    for (int32_t j = 0; j < w - 1; ++j) EXPECT_EQ(tail[c * (w - 1) + j], in[n + j]);
  }
  // The same rows in calls of 1, 2 and 3 rows: the same bits and the same final tail.
  std::vector<float> tail2 = tail0, y2(n * n_ch);
  for (const auto& [r0, nr] : {std::pair{0, 1}, std::pair{1, 2}, std::pair{3, 3}}) {
    causal_conv_silu_f32({.x = x.data() + r0 * n_ch,
                          .x_stride = n_ch,
                          .n_rows = nr,
                          .n_ch = n_ch,
                          .width = w,
                          .kernel = kernel.data(),
                          .tail = tail2.data(),
                          .y = y2.data() + r0 * n_ch,
                          .y_stride = n_ch},
                         0, n_ch);
  }
  EXPECT_EQ(y2, y);
  EXPECT_EQ(tail2, tail);
}

}  // namespace
}  // namespace minke
