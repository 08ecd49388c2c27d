// "Quantization" to the float storage types: F32 copy, F16 and BF16 round-to-nearest-even
// (the same rounding numpy's astype(float16) and gguf-py's BF16 quantizer use).
#include <cstring>

#include "core/check.h"
#include "core/fp16.h"
#include "quant/quantize.h"

namespace minke {

void quantize_row_f32(const float* in, void* blocks, int64_t n) {
  MINKE_CHECK(n >= 0);
  std::memcpy(blocks, in, static_cast<size_t>(n) * sizeof(float));
}

void quantize_row_f16(const float* in, void* blocks, int64_t n) {
  MINKE_CHECK(n >= 0);
  auto* h = static_cast<uint16_t*>(blocks);
  for (int64_t i = 0; i < n; ++i) h[i] = f32_to_fp16(in[i]);
}

void quantize_row_bf16(const float* in, void* blocks, int64_t n) {
  MINKE_CHECK(n >= 0);
  auto* h = static_cast<uint16_t*>(blocks);
  for (int64_t i = 0; i < n; ++i) h[i] = f32_to_bf16(in[i]);
}

}  // namespace minke
