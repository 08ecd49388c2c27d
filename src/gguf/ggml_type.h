// The tensor element types a GGUF file may declare (ggml's type ids, as in the
// GGUF spec), with each type's block geometry. Sizes match gguf-py's
// GGML_QUANT_SIZES. Types listed here are understood by the reader (sizes can be
// validated); which ones Minke can compute with is the quant layer's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace minke {

enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
};

struct GgmlTypeInfo {
  GgmlType type;
  std::string_view name;  // as gguf-py and llama.cpp print it, e.g. "Q4_K"
  uint32_t block_size;    // elements per block
  uint32_t type_size;     // bytes per block
};

// Geometry of a type id read from a file; nullopt for ids we do not know.
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type_id);
// Same, for a type we know is valid.
const GgmlTypeInfo& ggml_type_info(GgmlType type);
std::string_view ggml_type_name(GgmlType type);

}  // namespace minke
