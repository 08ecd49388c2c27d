// Dequantization of the plain float storage types F32, F16 and BF16 (exact widening).
#include <cstring>

#include "core/check.h"
#include "core/fp16.h"
#include "quant/dequantize.h"

namespace minke {

void dequantize_row_f32(const void* blocks, float* out, int64_t n) {
  MINKE_CHECK(n >= 0);
  std::memcpy(out, blocks, static_cast<size_t>(n) * sizeof(float));
}

void dequantize_row_f16(const void* blocks, float* out, int64_t n) {
  MINKE_CHECK(n >= 0);
  const auto* h = static_cast<const uint16_t*>(blocks);
  for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_f32(h[i]);
}

void dequantize_row_bf16(const void* blocks, float* out, int64_t n) {
  MINKE_CHECK(n >= 0);
  const auto* h = static_cast<const uint16_t*>(blocks);
  for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_f32(h[i]);
}

}  // namespace minke
