// Golden test: every reference dequantizer is bit-exact with gguf-py (and, for Q8_K, the
// numpy d * q formula) on the committed random + edge-case blocks.
#include <gtest/gtest.h>

#include <set>

#include "golden/quant_fixture.h"
#include "quant/quant_traits.h"

namespace minke {
namespace {

using testing::quant_fixture_dir;

TEST(QuantGoldenDequantize, BitExactWithOracleForEveryFixtureType) {
  const nlohmann::json manifest = testing::quant_manifest();
  ASSERT_TRUE(manifest["dequant"].is_object());
  ASSERT_GE(manifest["dequant"].size(), 14u);
  for (const auto& [name, entry] : manifest["dequant"].items()) {
    SCOPED_TRACE(name);
    const std::optional<GgmlType> type = testing::type_from_name(name);
    ASSERT_TRUE(type.has_value());
    const QuantTraits& traits = quant_traits(*type);
    const std::vector<uint8_t> blocks =
        testing::read_bytes(quant_fixture_dir() / "dequant" / (name + ".blocks"));
    const std::vector<float> expected =
        testing::read_floats(quant_fixture_dir() / "dequant" / (name + ".f32"));
    const int64_t n = entry["elements"].get<int64_t>();
    ASSERT_EQ(static_cast<int64_t>(expected.size()), n);
    ASSERT_EQ(blocks.size(), static_cast<size_t>(n / traits.block_size * traits.type_size));

    std::vector<float> got(static_cast<size_t>(n));
    traits.dequantize_row(blocks.data(), got.data(), n);
    int64_t mismatches = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (!testing::same_float_bits(got[i], expected[i])) {
        if (mismatches++ < 5) {
          ADD_FAILURE() << "element " << i << " (block " << i / traits.block_size << "): got "
                        << got[i] << " expected " << expected[i];
        }
      }
    }
    EXPECT_EQ(mismatches, 0) << "of " << n << " floats";
  }
}

TEST(QuantGoldenDequantize, EverySupportedTypeHasAFixture) {
  const nlohmann::json manifest = testing::quant_manifest();
  for (GgmlType type :
       {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
        GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
        GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_K, GgmlType::IQ4_NL,
        GgmlType::IQ4_XS, GgmlType::MXFP4}) {
    ASSERT_TRUE(quant_supported(type));
    EXPECT_TRUE(manifest["dequant"].contains(std::string(ggml_type_name(type))))
        << ggml_type_name(type);
  }
}

}  // namespace
}  // namespace minke
