// The activation quantizers round like llama.cpp's x86 path: multiplier 127 / amax, ties to
// even. Hand-picked blocks where the reference quantizer (1 / (amax / 127), ties away from
// zero) gives a different int8, plus the Q8_1 sum field and the all-zero block.
#include <gtest/gtest.h>

#include <vector>

#include "core/fp16.h"
#include "kernels/ref/matmul.h"
#include "quant/blocks_legacy.h"

namespace minke {
namespace {

std::vector<float> block_with(float amax, std::initializer_list<float> rest) {
  std::vector<float> x(kQK32, 0.0f);
  x[0] = amax;
  int i = 1;
  for (float v : rest) x[static_cast<size_t>(i++)] = v;
  return x;
}

TEST(QuantizeAct, TiesRoundToEven) {
  // amax 127: the multiplier is exactly 1, so x.5 values are exact ties.
  const std::vector<float> x = block_with(127.0f, {2.5f, 3.5f, -2.5f, -0.5f, 126.5f});
  BlockQ8_0 b;
  quantize_act_q8_0(x.data(), &b, kQK32);
  EXPECT_EQ(fp16_to_f32(b.d), 1.0f);
  const int want[] = {127, 2, 4, -2, 0, 126};
  for (int j = 0; j < 6; ++j) EXPECT_EQ(b.qs[j], want[j]) << j;
  for (int j = 6; j < kQK32; ++j) EXPECT_EQ(b.qs[j], 0);
}

TEST(QuantizeAct, MultiplierIs127OverAmax) {
  // x * (127 / amax) is exactly 2.5 here (-> 2), while x * (1 / (amax / 127)) is 2.5000002
  // (-> 3, what the reference quantizer in quant/ gives).
  const float amax = 0x1.ef7c8ep-1f, x1 = 0x1.381e16p-6f;
  ASSERT_EQ(x1 * (127.0f / amax), 2.5f);
  const std::vector<float> x = block_with(amax, {x1, -x1});
  BlockQ8_0 b;
  quantize_act_q8_0(x.data(), &b, kQK32);
  EXPECT_EQ(b.qs[1], 2);
  EXPECT_EQ(b.qs[2], -2);
  EXPECT_EQ(b.d, f32_to_fp16(amax / 127.0f));
}

TEST(QuantizeAct, Q8_1CarriesScaledSum) {
  const std::vector<float> x = block_with(127.0f, {2.5f, 3.5f, 10.0f});
  BlockQ8_1 b;
  quantize_act_q8_1(x.data(), &b, kQK32);
  EXPECT_EQ(b.qs[1], 2);
  EXPECT_EQ(b.qs[2], 4);
  EXPECT_EQ(fp16_to_f32(b.d), 1.0f);
  EXPECT_EQ(fp16_to_f32(b.s), 127.0f + 2 + 4 + 10);
}

TEST(QuantizeAct, ZeroBlockGivesZeros) {
  const std::vector<float> x(2 * kQK32, 0.0f);
  BlockQ8_1 b[2];
  quantize_act_q8_1(x.data(), b, 2 * kQK32);
  for (const BlockQ8_1& blk : b) {
    EXPECT_EQ(blk.d, 0);
    EXPECT_EQ(blk.s, 0);
    for (int8_t q : blk.qs) EXPECT_EQ(q, 0);
  }
}

}  // namespace
}  // namespace minke
