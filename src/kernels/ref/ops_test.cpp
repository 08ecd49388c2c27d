// Reference row kernels and RoPE against direct formulas in double precision.
#include "kernels/ref/ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <vector>

#include "kernels/ref/test_weights.h"

namespace minke {
namespace {

using testing::random_floats;

TEST(RefOps, RmsNorm) {
  std::mt19937 rng(1);
  const std::vector<float> x = random_floats(rng, 576, 3.0f), w = random_floats(rng, 576);
  std::vector<float> y(576);
  rms_norm_f32(x.data(), w.data(), 1e-5f, y.data(), 576);
  double ss = 0;
  for (float v : x) ss += double{v} * v;
  const double inv = 1.0 / std::sqrt(ss / 576 + 1e-5);
  for (int i = 0; i < 576; ++i) EXPECT_NEAR(y[i], x[i] * inv * w[i], 1e-5 * std::fabs(y[i]) + 1e-7);
}

TEST(RefOps, ElementwiseAndGlu) {
  std::mt19937 rng(2);
  const std::vector<float> a = random_floats(rng, 300, 4.0f), b = random_floats(rng, 300);
  std::vector<float> y(300);
  add_f32(a.data(), b.data(), y.data(), 300);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(y[i], a[i] + b[i]);
  mul_f32(a.data(), b.data(), y.data(), 300);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(y[i], a[i] * b[i]);
  scale_f32(a.data(), 0.5f, y.data(), 300);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(y[i], a[i] * 0.5f);
  silu_mul_f32(a.data(), b.data(), y.data(), 300);
  for (int i = 0; i < 300; ++i) {
    const double s = a[i] / (1.0 + std::exp(-double{a[i]}));
    EXPECT_NEAR(y[i], s * b[i], 1e-6 * (1 + std::fabs(s * b[i])));
  }
  // gpt-oss's clamped SwiGLU against the formula in double: gate clamped above at 7 (a of
  // scale 4 passes it now and then), up to [-7, 7] (the fixed cases below).
  clamped_silu_mul_f32(a.data(), b.data(), 1.702f, 7.0f, y.data(), 300);
  for (int i = 0; i < 300; ++i) {
    const double g = std::min(double{a[i]}, 7.0), u = std::clamp(double{b[i]}, -7.0, 7.0);
    const double want = g / (1.0 + std::exp(-1.702 * g)) * (u + 1.0);
    EXPECT_NEAR(y[i], want, 1e-6 * (1 + std::fabs(want))) << a[i] << " " << b[i];
  }
  const float gate[3] = {9.0f, NAN, 1.0f}, up[3] = {-9.0f, 1.0f, NAN};
  float clamped[3];
  clamped_silu_mul_f32(gate, up, 1.702f, 7.0f, clamped, 3);
  EXPECT_FLOAT_EQ(clamped[0], 7.0f / (1.0f + std::exp(-1.702f * 7.0f)) * -6.0f);
  EXPECT_TRUE(std::isnan(clamped[1]) && std::isnan(clamped[2]));
  gelu_mul_f32(a.data(), b.data(), y.data(), 300);
  for (int i = 0; i < 300; ++i) {
    const double v = a[i];
    const double g = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    // fp16 rounding of input and output (llama.cpp's table): ~2^-10 relative, plus slope.
    EXPECT_NEAR(y[i], g * b[i], 2e-3 * std::fabs(b[i]) * (1 + std::fabs(g))) << v;
  }
  const float big[2] = {-12.0f, 11.0f}, one[2] = {1.0f, 2.0f};
  float out[2];
  gelu_mul_f32(big, one, out, 2);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 22.0f);
}

TEST(RefOps, Softmax) {
  std::mt19937 rng(3);
  const std::vector<float> x = random_floats(rng, 100, 10.0f);
  std::vector<float> y(100);
  softmax_f32(x.data(), y.data(), 100);
  double mx = -1e30, sum = 0;
  for (float v : x) mx = std::max(mx, double{v});
  for (float v : x) sum += std::exp(v - mx);
  for (int i = 0; i < 100; ++i) EXPECT_NEAR(y[i], std::exp(x[i] - mx) / sum, 1e-6);
}

// The softmax sum's order, spelled out: 16 lanes by index, folded 8, 4, 2, 1. Values chosen
// so that another order rounds differently (1e16 + 1 loses the 1 in double).
TEST(RefOps, SumF64LanesOrder) {
  std::vector<float> x(21, 0.0f);
  x[0] = 1e16f;
  x[16] = 1.0f;  // lane 0 after x[0]: lost
  x[1] = 1.0f;   // lane 1: kept until lane 1 meets lane 0 in the last fold
  x[20] = 3.0f;  // lane 4
  double lane[16] = {};
  for (size_t i = 0; i < x.size(); ++i) lane[i % 16] += double{x[i]};
  for (int w = 8; w >= 1; w /= 2) {
    for (int l = 0; l < w; ++l) lane[l] += lane[l + w];
  }
  EXPECT_EQ(sum_f64_lanes(x.data(), static_cast<int64_t>(x.size())), lane[0]);
  EXPECT_EQ(sum_f64_lanes(x.data(), 0), 0.0);
  const float ones[5] = {1, 1, 1, 1, 1};
  EXPECT_EQ(sum_f64_lanes(ones, 5), 5.0);
}

// RoPE against the textbook formula: pair (a, b) rotated by theta = freq_scale * pos *
// base^(-2i/n_dims) / factor_i; dims >= n_dims untouched.
void check_rope(RopeMode mode, int32_t n_dims, float freq_scale, std::vector<float> factors) {
  constexpr int32_t kHeads = 3, kHeadDim = 64;
  std::mt19937 rng(4);
  const RopeParams p{.mode = mode,
                     .n_dims = n_dims,
                     .freq_base = 10000.0f,
                     .freq_scale = freq_scale,
                     .freq_factors = factors};
  for (int32_t pos : {0, 1, 17, 300}) {
    const std::vector<float> x = random_floats(rng, kHeads * kHeadDim);
    std::vector<float> y = x;
    rope_f32(y.data(), kHeads, kHeadDim, pos, p);
    for (int32_t h = 0; h < kHeads; ++h) {
      const float* xv = &x[h * kHeadDim];
      const float* yv = &y[h * kHeadDim];
      for (int32_t i = 0; i < n_dims / 2; ++i) {
        const int i0 = mode == RopeMode::kNormal ? 2 * i : i;
        const int i1 = mode == RopeMode::kNormal ? 2 * i + 1 : i + n_dims / 2;
        const double ff = factors.empty() ? 1.0 : factors[i];
        const double theta = freq_scale * pos * std::pow(10000.0, -2.0 * i / n_dims) / ff;
        const double e0 = xv[i0] * std::cos(theta) - xv[i1] * std::sin(theta);
        const double e1 = xv[i0] * std::sin(theta) + xv[i1] * std::cos(theta);
        // ggml's running-product angle drifts by ~i ulps of theta.
        const double tol = 1e-5 + 4e-7 * (i + 1) * std::fabs(theta);
        EXPECT_NEAR(yv[i0], e0, tol) << "pos " << pos << " i " << i;
        EXPECT_NEAR(yv[i1], e1, tol) << "pos " << pos << " i " << i;
      }
      for (int32_t d = n_dims; d < kHeadDim; ++d) EXPECT_EQ(yv[d], xv[d]);
    }
  }
}

TEST(RefRope, NormalMode) { check_rope(RopeMode::kNormal, 64, 1.0f, {}); }
TEST(RefRope, NeoxMode) { check_rope(RopeMode::kNeox, 64, 1.0f, {}); }
TEST(RefRope, PartialRotaryNeox) { check_rope(RopeMode::kNeox, 32, 1.0f, {}); }
TEST(RefRope, PartialRotaryNormal) { check_rope(RopeMode::kNormal, 16, 1.0f, {}); }
TEST(RefRope, LinearScaleAndFreqFactors) {
  std::vector<float> factors(32);
  for (int i = 0; i < 32; ++i) factors[i] = i < 8 ? 1.0f : (i < 24 ? 2.5f : 8.0f);
  check_rope(RopeMode::kNormal, 64, 0.25f, factors);
}

// YaRN against DeepSeek's reference formula (modeling_deepseek.py, YarnRotaryEmbedding) in
// double: per-pair inverse frequency blended between base^(-2i/d) and that over the factor by a
// linear ramp between the correction dims of beta_fast and beta_slow; cos and sin scaled by the
// magnitude factor (here attn_factor * (1 + 0.1 ln factor) = 1.25).
TEST(RefRope, YarnMatchesDeepSeekFormula) {
  constexpr int32_t kDims = 64, kHeadDim = 96, kCtxOrig = 4096;
  constexpr double kFactor = 40.0, kBase = 10000.0;
  const float mscale = 1.0f + 0.1f * std::log(40.0f);
  const RopeParams p{.mode = RopeMode::kNormal,
                     .n_dims = kDims,
                     .freq_base = 10000.0f,
                     .freq_scale = 1.0f / 40.0f,
                     .ext_factor = 1.0f,
                     .beta_fast = 32.0f,
                     .beta_slow = 1.0f,
                     .n_ctx_orig = kCtxOrig,
                     .attn_factor = 1.25f / mscale};
  const auto corr = [&](double rot) {
    return kDims * std::log(kCtxOrig / (rot * 2 * std::numbers::pi)) / (2 * std::log(kBase));
  };
  const double low = std::max(0.0, std::floor(corr(32.0)));
  const double high = std::min(kDims - 1.0, std::ceil(corr(1.0)));
  std::mt19937 rng(4);
  for (int32_t pos : {0, 3, 1000, 150000}) {
    const std::vector<float> x = random_floats(rng, kHeadDim);
    std::vector<float> y = x;
    rope_f32(y.data(), 1, kHeadDim, pos, p);
    for (int32_t i = 0; i < kDims / 2; ++i) {
      const double extra = std::pow(kBase, -2.0 * i / kDims), interp = extra / kFactor;
      const double mask = 1.0 - std::clamp((i - low) / (high - low), 0.0, 1.0);
      const double theta = pos * (interp * (1 - mask) + extra * mask);
      const double c = 1.25 * std::cos(theta), sn = 1.25 * std::sin(theta);
      const double e0 = x[2 * i] * c - x[2 * i + 1] * sn, e1 = x[2 * i] * sn + x[2 * i + 1] * c;
      // The f32 running-product angle drifts by ~i ulps of theta (as in check_rope).
      const double tol = 2e-5 + 6e-7 * (i + 1) * std::fabs(theta);
      EXPECT_NEAR(y[2 * i], e0, tol) << "pos " << pos << " i " << i;
      EXPECT_NEAR(y[2 * i + 1], e1, tol) << "pos " << pos << " i " << i;
    }
    for (int32_t d = kDims; d < kHeadDim; ++d) EXPECT_EQ(y[d], x[d]);
  }
}

// exp_f32 is the correctly rounded exp (double exp rounded once) over its whole range,
// subnormal results included; 0 below it, +inf above it.
TEST(RefOps, ExpCorrectlyRounded) {
  EXPECT_EQ(exp_f32(0.0f), 1.0f);
  EXPECT_EQ(exp_f32(-110.0f), 0.0f);
  EXPECT_EQ(exp_f32(-INFINITY), 0.0f);
  EXPECT_EQ(exp_f32(100.0f), INFINITY);
  EXPECT_TRUE(std::isnan(exp_f32(NAN)));
  int differ = 0, n = 0;
  for (float x = kExpLo; x <= kExpHi; x += 0.00137f, ++n) {
    const float want = static_cast<float>(std::exp(static_cast<double>(x)));
    const float got = exp_f32(x);
    const int ulp = std::abs(std::bit_cast<int32_t>(want) - std::bit_cast<int32_t>(got));
    ASSERT_LE(ulp, 1) << x;
    differ += ulp != 0;
  }
  std::printf("exp_f32: %d of %d values differ from the correctly rounded exp (by 1 ulp)\n", differ,
              n);
  EXPECT_LE(differ, n / 10000);
}

// The GELU table gives what the formula gives, fp16 rounding on both sides (llama.cpp's table).
TEST(RefOps, GeluTableMatchesFormula) {
  for (float x = -12.0f; x < 12.0f; x += 0.00731f) {
    const float one = 1.0f;
    float y = 0.0f;
    gelu_mul_f32(&x, &one, &y, 1);
    const float want = x <= -10.0f ? 0.0f
                       : x >= 10.0f
                           ? x
                           : fp16_to_f32(f32_to_fp16(gelu_tanh_f32(fp16_to_f32(f32_to_fp16(x)))));
    ASSERT_EQ(y, want) << x;
  }
}

}  // namespace
}  // namespace minke
