#include "quant/quant_traits.h"

#include <gtest/gtest.h>

#include <string>

#include "minke/error.h"
#include "quant/blocks_iq.h"
#include "quant/blocks_k.h"
#include "quant/blocks_legacy.h"

namespace minke {
namespace {

TEST(QuantTraits, BlockStructsMatchTheTypeTable) {
  const struct {
    GgmlType type;
    size_t size;
    uint32_t elements;
  } cases[] = {
      {GgmlType::Q4_0, sizeof(BlockQ4_0), 32},      {GgmlType::Q4_1, sizeof(BlockQ4_1), 32},
      {GgmlType::Q5_0, sizeof(BlockQ5_0), 32},      {GgmlType::Q5_1, sizeof(BlockQ5_1), 32},
      {GgmlType::Q8_0, sizeof(BlockQ8_0), 32},      {GgmlType::Q2_K, sizeof(BlockQ2_K), 256},
      {GgmlType::Q3_K, sizeof(BlockQ3_K), 256},     {GgmlType::Q4_K, sizeof(BlockQ4_K), 256},
      {GgmlType::Q5_K, sizeof(BlockQ5_K), 256},     {GgmlType::Q6_K, sizeof(BlockQ6_K), 256},
      {GgmlType::Q8_K, sizeof(BlockQ8_K), 256},     {GgmlType::IQ4_NL, sizeof(BlockIQ4_NL), 32},
      {GgmlType::IQ4_XS, sizeof(BlockIQ4_XS), 256},
  };
  for (const auto& c : cases) {
    const GgmlTypeInfo& info = ggml_type_info(c.type);
    EXPECT_EQ(info.type_size, c.size) << info.name;
    EXPECT_EQ(info.block_size, c.elements) << info.name;
  }
}

TEST(QuantTraits, SupportedTypesCarryGeometryAndFunctions) {
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0,
                        GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
                        GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                        GgmlType::Q6_K, GgmlType::Q8_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS}) {
    const QuantTraits& t = quant_traits(type);
    EXPECT_EQ(t.type, type);
    EXPECT_EQ(t.block_size, ggml_type_info(type).block_size);
    EXPECT_EQ(t.type_size, ggml_type_info(type).type_size);
    EXPECT_NE(t.dequantize_row, nullptr) << ggml_type_name(type);
  }
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0,
                        GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
                        GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_K}) {
    EXPECT_NE(quantize_row_fn(type), nullptr) << ggml_type_name(type);
  }
}

TEST(QuantTraits, UnsupportedTypeThrowsNamingIt) {
  EXPECT_FALSE(quant_supported(GgmlType::IQ2_XXS));
  try {
    quant_traits(GgmlType::IQ2_XXS);
    FAIL() << "expected minke::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("IQ2_XXS"), std::string::npos) << e.what();
  }
}

TEST(QuantTraits, MissingQuantizerThrowsNamingTheType) {
  EXPECT_TRUE(quant_supported(GgmlType::Q3_K));
  try {
    quantize_row_fn(GgmlType::Q3_K);
    FAIL() << "expected minke::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Q3_K"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minke
