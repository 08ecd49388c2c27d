// Round-trip tests of the reference quantizers: quantize -> dequantize error bounds per type on
// seeded random data, exact cases (zeros, representable floats), and Q8_K's bsums.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/fp16.h"
#include "quant/blocks_k.h"
#include "quant/dequantize.h"
#include "quant/quant_traits.h"
#include "quant/quantize.h"

namespace minke {
namespace {

std::vector<float> gaussian(size_t n, uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

std::vector<float> round_trip(GgmlType type, const std::vector<float>& x) {
  const QuantTraits& t = quant_traits(type);
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> blocks(static_cast<size_t>(n / t.block_size * t.type_size));
  quantize_row_fn(type)(x.data(), blocks.data(), n);
  std::vector<float> y(x.size());
  t.dequantize_row(blocks.data(), y.data(), n);
  return y;
}

// RMS error relative to the RMS of the data.
double relative_rmse(const std::vector<float>& x, const std::vector<float>& y) {
  double err = 0, sig = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    err += (double{x[i]} - y[i]) * (double{x[i]} - y[i]);
    sig += double{x[i]} * x[i];
  }
  return std::sqrt(err / sig);
}

// Bounds for N(0, 1) data, 64 Ki elements. Uniform rounding on a grid of step s has RMS error
// s / sqrt(12); a 32-element Gaussian block spans ~4.4 sigma, so Q4_1 (15 steps) gives ~0.08
// and Q8_0 (step amax / 127) ~0.0054; Q8_K's 256-element blocks have a larger amax (0.0070).
// Measured: F16 2.1e-4, BF16 1.7e-3, Q8_0 5.4e-3, Q8_K 7.0e-3, Q4_0 .086, Q4_1 .079,
// Q5_0 .043, Q5_1 .038, Q4_K .072, Q5_K .036, Q6_K .017; bounds sit ~15% above.
TEST(QuantRoundTrip, RelativeRmseWithinBoundsOnGaussianData) {
  const std::vector<float> x = gaussian(1 << 16, 1234);
  const struct {
    GgmlType type;
    double bound;
  } cases[] = {
      {GgmlType::F32, 0.0},     {GgmlType::F16, 2.5e-4},  {GgmlType::BF16, 1.95e-3},
      {GgmlType::Q8_0, 6.2e-3}, {GgmlType::Q8_K, 8.1e-3}, {GgmlType::Q4_0, 0.100},
      {GgmlType::Q4_1, 0.090},  {GgmlType::Q5_0, 0.049},  {GgmlType::Q5_1, 0.0435},
      {GgmlType::Q4_K, 0.083},  {GgmlType::Q5_K, 0.0415}, {GgmlType::Q6_K, 0.020},
  };
  for (const auto& c : cases) {
    const double e = relative_rmse(x, round_trip(c.type, x));
    EXPECT_LE(e, c.bound) << ggml_type_name(c.type);
    // Every real quantizer loses something; a zero error would mean the test is not measuring.
    if (c.type != GgmlType::F32) {
      EXPECT_GT(e, 0.0) << ggml_type_name(c.type);
    }
  }
}

// Max-abs error per block: at most one grid step of the block's own range (half a step from
// rounding, the rest from fp16 scales and the clamp at the far end of the symmetric types).
TEST(QuantRoundTrip, PerBlockMaxErrorWithinOneStep) {
  const std::vector<float> x = gaussian(1 << 14, 99, 3.0f);
  const struct {
    GgmlType type;
    int steps;  // grid steps across the block's range
  } cases[] = {{GgmlType::Q8_0, 254}, {GgmlType::Q4_0, 16}, {GgmlType::Q4_1, 15},
               {GgmlType::Q5_0, 32},  {GgmlType::Q5_1, 31}, {GgmlType::Q8_K, 254}};
  for (const auto& c : cases) {
    const uint32_t bs = quant_traits(c.type).block_size;
    const std::vector<float> y = round_trip(c.type, x);
    for (size_t b = 0; b < x.size() / bs; ++b) {
      float lo = x[b * bs], hi = x[b * bs], amax = 0.0f, worst = 0.0f;
      for (size_t i = b * bs; i < (b + 1) * bs; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
        amax = std::max(amax, std::fabs(x[i]));
        worst = std::max(worst, std::fabs(x[i] - y[i]));
      }
      // Symmetric types spread 2 * amax over their steps; affine ones span [min, max].
      const bool affine = c.type == GgmlType::Q4_1 || c.type == GgmlType::Q5_1;
      const float step = (affine ? hi - lo : 2.0f * amax) / static_cast<float>(c.steps);
      ASSERT_LE(worst, step * 1.01f) << ggml_type_name(c.type) << " block " << b;
    }
  }
}

TEST(QuantRoundTrip, ZeroRowsStayZero) {
  const std::vector<float> zeros(512, 0.0f);
  for (GgmlType type : {GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                        GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4_K,
                        GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_K}) {
    const std::vector<float> y = round_trip(type, zeros);
    for (float v : y) ASSERT_EQ(v, 0.0f) << ggml_type_name(type);
  }
}

TEST(QuantRoundTrip, HalfAndBf16RowsAreExactForRepresentableValues) {
  std::vector<float> x(256);
  for (size_t i = 0; i < x.size(); ++i) {
    // Values with at most 8 significant bits are exact in both fp16 and bf16.
    x[i] = std::ldexp(static_cast<float>(static_cast<int>(i) - 128), static_cast<int>(i % 7) - 3);
  }
  EXPECT_EQ(round_trip(GgmlType::F16, x), x);
  EXPECT_EQ(round_trip(GgmlType::BF16, x), x);
  uint16_t h[2];
  quantize_row_f16(x.data(), h, 2);
  EXPECT_EQ(h[0], f32_to_fp16(x[0]));
  EXPECT_EQ(h[1], f32_to_fp16(x[1]));
}

TEST(QuantRoundTrip, Q8KBsumsAreGroupSums) {
  const std::vector<float> x = gaussian(1024, 7);
  std::vector<BlockQ8_K> blocks(x.size() / kQK_K);
  quantize_row_q8_k(x.data(), blocks.data(), static_cast<int64_t>(x.size()));
  for (const BlockQ8_K& b : blocks) {
    for (int g = 0; g < kQK_K / 16; ++g) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += b.qs[16 * g + i];
      EXPECT_EQ(b.bsums[g], sum);
    }
  }
}

TEST(QuantRoundTrip, KQuantsRequantizeToTheSameValues) {
  // Dequantized values lie on the grid, so quantizing them again should reproduce them
  // closely (not necessarily bit-exactly: the scale search may pick an equivalent grid).
  const std::vector<float> x = gaussian(4096, 42);
  for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_K}) {
    const std::vector<float> once = round_trip(type, x);
    const std::vector<float> twice = round_trip(type, once);
    EXPECT_LE(relative_rmse(once, twice), 0.5 * relative_rmse(x, once)) << ggml_type_name(type);
  }
}

// MXFP4 below 2^-125: floor(log2(amax)) - 2 + 127 is negative and, as in gguf-py (checked with
// gguf 0.19.0: bytes [251, 0, ...] for this block), wraps modulo 256 instead of being undefined.
TEST(QuantRoundTrip, Mxfp4TinyBlockExponentWrapsAsGgufPy) {
  std::vector<float> x(32, 0.0f);
  x[3] = std::ldexp(1.0f, -130);
  x[5] = -std::ldexp(1.0f, -131);
  std::vector<uint8_t> q(17, 0xAA);
  quantize_row_mxfp4(x.data(), q.data(), 32);
  EXPECT_EQ(q[0], 251);
  for (size_t i = 1; i < q.size(); ++i) EXPECT_EQ(q[i], 0) << i;
}

}  // namespace
}  // namespace minke
