// Reference matmul kernels against an f64 dot of the dequantized weights with the unquantized
// activations. The per-element bound is what activation rounding can cost: for Q8 activations
// each element moves by at most amax(block) * (1/254 + 2^-10) (half a quant step, plus fp16
// rounding of d), for F16/BF16 by |x| * 2^-11 / 2^-8, plus f32 rounding of the sums.
#include "kernels/ref/matmul.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/ref/test_weights.h"

namespace minke {
namespace {

using testing::dequantize_weight;
using testing::random_floats;
using testing::random_weight;

struct Case {
  GgmlType type;
  double max_rel_rms;  // bound on rms(error) / rms(y) over the whole output
};

class RefMatmul : public ::testing::TestWithParam<Case> {};

TEST_P(RefMatmul, MatchesDequantizedF64WithinActivationRounding) {
  const GgmlType type = GetParam().type;
  const MatmulKernel* kern = find_matmul(ref_kernels(), type);
  ASSERT_NE(kern, nullptr);
  constexpr int64_t kM = 5, kN = 24, kK = 512;
  std::mt19937 rng(1234 + static_cast<int>(type));
  const std::vector<uint8_t> w = random_weight(rng, type, kN, kK);
  const std::vector<float> wf = dequantize_weight(type, w, kN, kK);
  const std::vector<float> x = random_floats(rng, kM * kK);

  const size_t x_row_bytes = kern->act_row_bytes(kK);
  std::vector<uint8_t> xq(x_row_bytes * kM);
  for (int64_t m = 0; m < kM; ++m) kern->quantize_act(&x[m * kK], &xq[m * x_row_bytes], kK);
  std::vector<float> y(kM * kN, NAN);
  const GgmlTypeInfo& wi = ggml_type_info(type);
  const MatmulArgs args{w.data(),  static_cast<size_t>(kK / wi.block_size * wi.type_size),
                        xq.data(), x_row_bytes,
                        y.data(),  kN,
                        kK,        kN};
  kern->matmul(args, 0, kM, 0, kN);

  const bool q8_act = kern->act_block_size > 1;
  const int64_t act_block = kern->act_block_size;
  const double elem_rel = type == GgmlType::F16    ? std::ldexp(1.0, -11)
                          : type == GgmlType::BF16 ? std::ldexp(1.0, -8)
                                                   : 0.0;
  double err2 = 0, ref2 = 0;
  for (int64_t m = 0; m < kM; ++m) {
    for (int64_t n = 0; n < kN; ++n) {
      double ref = 0, abs_sum = 0, bound = 0;
      for (int64_t b = 0; b < kK; b += act_block) {
        double amax = 0, wabs = 0, wmax = 0, xabs = 0;
        for (int64_t i = b; i < b + act_block; ++i) {
          const double wv = wf[n * kK + i], xv = x[m * kK + i];
          ref += wv * xv;
          abs_sum += std::fabs(wv * xv);
          amax = std::max(amax, std::fabs(xv));
          wabs += std::fabs(wv);
          wmax = std::max(wmax, std::fabs(wv));
          xabs += std::fabs(xv);
        }
        if (q8_act) {
          bound += amax * (1.0 / 254 + std::ldexp(1.0, -10)) * wabs;
          bound += std::ldexp(1.0, -10) * wmax * xabs;  // Q8_1's fp16 s = d * sum(q)
        }
      }
      bound += (elem_rel + kK * std::ldexp(1.0, -24)) * abs_sum;
      const double got = y[m * kN + n];
      EXPECT_LE(std::fabs(got - ref), bound) << kern->name << " m=" << m << " n=" << n;
      err2 += (got - ref) * (got - ref);
      ref2 += ref * ref;
    }
  }
  EXPECT_LE(std::sqrt(err2 / ref2), GetParam().max_rel_rms) << kern->name;
}

INSTANTIATE_TEST_SUITE_P(AllWeightTypes, RefMatmul,
                         ::testing::Values(Case{GgmlType::F32, 1e-6}, Case{GgmlType::F16, 1e-3},
                                           Case{GgmlType::BF16, 5e-3}, Case{GgmlType::Q4_0, 0.01},
                                           Case{GgmlType::Q4_1, 0.01}, Case{GgmlType::Q5_0, 0.01},
                                           Case{GgmlType::Q5_1, 0.01}, Case{GgmlType::Q8_0, 0.01},
                                           Case{GgmlType::Q2_K, 0.01}, Case{GgmlType::Q3_K, 0.01},
                                           Case{GgmlType::Q4_K, 0.01}, Case{GgmlType::Q5_K, 0.01},
                                           Case{GgmlType::Q6_K, 0.01}, Case{GgmlType::MXFP4, 0.01}),
                         [](const auto& info) {
                           return std::string(ggml_type_name(info.param.type));
                         });

// With integer activations whose blocks have amax 127 (d = 1, and |sum| < 2048 so Q8_1's
// fp16 s is exact), activation quantization loses nothing: only f32 rounding of the scaled
// block sums remains, so the integer paths and the scale order are held to ~1e-6.
TEST(RefMatmul, LosslessForIntegerActivations) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> qv(-60, 60);
  constexpr int64_t kK = 512;
  std::vector<float> x(kK);
  for (int64_t i = 0; i < kK; ++i) x[i] = static_cast<float>(i % 32 == 0 ? 127 : qv(rng));
  for (const MatmulKernel& kern : ref_kernels().matmul) {
    if (kern.matmul == nullptr) continue;
    const GgmlType type = kern.weight_type;
    const std::vector<uint8_t> w = random_weight(rng, type, 1, kK);
    const std::vector<float> wf = dequantize_weight(type, w, 1, kK);
    std::vector<uint8_t> xq(kern.act_row_bytes(kK));
    kern.quantize_act(x.data(), xq.data(), kK);
    float y = NAN;
    const MatmulArgs args{w.data(), w.size(), xq.data(), xq.size(), &y, 1, kK, 1};
    kern.matmul(args, 0, 1, 0, 1);
    double ref = 0, abs_sum = 0;
    for (int64_t i = 0; i < kK; ++i) {
      ref += static_cast<double>(wf[i]) * x[i];
      abs_sum += std::fabs(static_cast<double>(wf[i]) * x[i]);
    }
    EXPECT_NEAR(y, ref, 1e-6 * abs_sum) << kern.name;
  }
}

}  // namespace
}  // namespace minke
