// Per-type table of the reference row (de)quantizers, so kernels, model loading and
// `minke quantize` look the functions up by GgmlType instead of switching on it.
#pragma once

#include <cstdint>

#include "gguf/ggml_type.h"

namespace minke {

using DequantizeRowFn = void (*)(const void* blocks, float* out, int64_t n);
using QuantizeRowFn = void (*)(const float* in, void* blocks, int64_t n);

struct QuantTraits {
  GgmlType type;
  uint32_t block_size;             // elements per block (from ggml_type_info)
  uint32_t type_size;              // bytes per block
  DequantizeRowFn dequantize_row;  // never null
  QuantizeRowFn quantize_row;      // null: Minke can read the type but not produce it
};

// Whether Minke can dequantize `type`.
bool quant_supported(GgmlType type);

// The traits of a type Minke can dequantize; throws minke::Error naming the type otherwise.
const QuantTraits& quant_traits(GgmlType type);

// The quantizer of `type`; throws minke::Error naming the type if Minke cannot produce it.
QuantizeRowFn quantize_row_fn(GgmlType type);

}  // namespace minke
