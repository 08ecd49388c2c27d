// The table of ggml tensor types: name and block geometry per type id.
// Values are those of gguf-py's GGML_QUANT_SIZES (QK_K = 256).
#include "gguf/ggml_type.h"

#include <array>

#include "core/check.h"

namespace minke {
namespace {

constexpr uint32_t kQkK = 256;

constexpr std::array kTypes = {
    GgmlTypeInfo{GgmlType::F32, "F32", 1, 4},
    GgmlTypeInfo{GgmlType::F16, "F16", 1, 2},
    GgmlTypeInfo{GgmlType::Q4_0, "Q4_0", 32, 2 + 16},
    GgmlTypeInfo{GgmlType::Q4_1, "Q4_1", 32, 2 + 2 + 16},
    GgmlTypeInfo{GgmlType::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    GgmlTypeInfo{GgmlType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    GgmlTypeInfo{GgmlType::Q8_0, "Q8_0", 32, 2 + 32},
    GgmlTypeInfo{GgmlType::Q8_1, "Q8_1", 32, 4 + 4 + 32},
    GgmlTypeInfo{GgmlType::Q2_K, "Q2_K", kQkK, 2 + 2 + kQkK / 16 + kQkK / 4},
    GgmlTypeInfo{GgmlType::Q3_K, "Q3_K", kQkK, 2 + kQkK / 4 + kQkK / 8 + 12},
    GgmlTypeInfo{GgmlType::Q4_K, "Q4_K", kQkK, 2 + 2 + kQkK / 2 + 12},
    GgmlTypeInfo{GgmlType::Q5_K, "Q5_K", kQkK, 2 + 2 + kQkK / 2 + kQkK / 8 + 12},
    GgmlTypeInfo{GgmlType::Q6_K, "Q6_K", kQkK, 2 + kQkK / 2 + kQkK / 4 + kQkK / 16},
    GgmlTypeInfo{GgmlType::Q8_K, "Q8_K", kQkK, 4 + kQkK + kQkK / 8},
    GgmlTypeInfo{GgmlType::IQ2_XXS, "IQ2_XXS", kQkK, 2 + kQkK / 4},
    GgmlTypeInfo{GgmlType::IQ2_XS, "IQ2_XS", kQkK, 2 + kQkK / 4 + kQkK / 32},
    GgmlTypeInfo{GgmlType::IQ3_XXS, "IQ3_XXS", kQkK, 2 + kQkK / 4 + kQkK / 8},
    GgmlTypeInfo{GgmlType::IQ1_S, "IQ1_S", kQkK, 2 + kQkK / 8 + kQkK / 16},
    GgmlTypeInfo{GgmlType::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    GgmlTypeInfo{GgmlType::IQ3_S, "IQ3_S", kQkK, 2 + kQkK / 4 + kQkK / 8 + kQkK / 32 + 4},
    GgmlTypeInfo{GgmlType::IQ2_S, "IQ2_S", kQkK, 2 + kQkK / 4 + kQkK / 16},
    GgmlTypeInfo{GgmlType::IQ4_XS, "IQ4_XS", kQkK, 2 + 2 + kQkK / 2 + kQkK / 64},
    GgmlTypeInfo{GgmlType::I8, "I8", 1, 1},
    GgmlTypeInfo{GgmlType::I16, "I16", 1, 2},
    GgmlTypeInfo{GgmlType::I32, "I32", 1, 4},
    GgmlTypeInfo{GgmlType::I64, "I64", 1, 8},
    GgmlTypeInfo{GgmlType::F64, "F64", 1, 8},
    GgmlTypeInfo{GgmlType::IQ1_M, "IQ1_M", kQkK, kQkK / 8 + kQkK / 16 + kQkK / 32},
    GgmlTypeInfo{GgmlType::BF16, "BF16", 1, 2},
    GgmlTypeInfo{GgmlType::TQ1_0, "TQ1_0", kQkK, 2 + 4 * 13},
    GgmlTypeInfo{GgmlType::TQ2_0, "TQ2_0", kQkK, 2 + 64},
    GgmlTypeInfo{GgmlType::MXFP4, "MXFP4", 32, 1 + 16},
    GgmlTypeInfo{GgmlType::NVFP4, "NVFP4", 64, 4 + 32},
    GgmlTypeInfo{GgmlType::Q1_0, "Q1_0", 128, 2 + 16},
};

}  // namespace

std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type_id) {
  for (const GgmlTypeInfo& info : kTypes) {
    if (static_cast<uint32_t>(info.type) == type_id) return info;
  }
  return std::nullopt;
}

const GgmlTypeInfo& ggml_type_info(GgmlType type) {
  for (const GgmlTypeInfo& info : kTypes) {
    if (info.type == type) return info;
  }
  MINKE_CHECK(false && "GgmlType value outside the table");
  std::abort();
}

std::string_view ggml_type_name(GgmlType type) { return ggml_type_info(type).name; }

}  // namespace minke
