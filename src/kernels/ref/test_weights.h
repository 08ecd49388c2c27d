// Test helper (header-only, used by the kernel and backend tests): random weight matrices of
// any supported type, and their dequantized f32 values.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/fp16.h"
#include "gguf/ggml_type.h"
#include "quant/blocks_k.h"
#include "quant/quant_traits.h"

namespace minke::testing {

inline std::vector<float> random_floats(std::mt19937& rng, int64_t n, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Bytes of a [rows, cols] weight of `type`. Types with a quantizer get quantized random
// normals; Q2_K/Q3_K (no quantizer yet) get random bits with sane fp16 super-scales, which
// exercises every quant and scale bit pattern.
inline std::vector<uint8_t> random_weight(std::mt19937& rng, GgmlType type, int64_t rows,
                                          int64_t cols) {
  const QuantTraits& qt = quant_traits(type);
  const int64_t row_bytes = cols / qt.block_size * qt.type_size;
  std::vector<uint8_t> out(static_cast<size_t>(rows * row_bytes));
  if (qt.quantize_row != nullptr) {
    for (int64_t r = 0; r < rows; ++r) {
      const std::vector<float> v = random_floats(rng, cols);
      qt.quantize_row(v.data(), out.data() + r * row_bytes, cols);
    }
    return out;
  }
  std::uniform_int_distribution<int> byte(0, 255);
  for (uint8_t& b : out) b = static_cast<uint8_t>(byte(rng));
  std::uniform_real_distribution<float> scale(0.01f, 0.1f);
  const int64_t n_blocks = rows * cols / qt.block_size;
  for (int64_t i = 0; i < n_blocks; ++i) {
    uint8_t* blk = out.data() + i * qt.type_size;
    if (type == GgmlType::Q2_K) {
      auto* b = reinterpret_cast<BlockQ2_K*>(blk);
      b->d = f32_to_fp16(scale(rng));
      b->dmin = f32_to_fp16(scale(rng));
    } else if (type == GgmlType::Q3_K) {
      reinterpret_cast<BlockQ3_K*>(blk)->d = f32_to_fp16(scale(rng));
    }
  }
  return out;
}

inline std::vector<float> dequantize_weight(GgmlType type, const std::vector<uint8_t>& w,
                                            int64_t rows, int64_t cols) {
  const QuantTraits& qt = quant_traits(type);
  const int64_t row_bytes = cols / qt.block_size * qt.type_size;
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    qt.dequantize_row(w.data() + r * row_bytes, out.data() + r * cols, cols);
  }
  return out;
}

}  // namespace minke::testing
