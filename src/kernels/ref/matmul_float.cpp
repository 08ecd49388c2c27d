// Reference matmul for float weights (F32, F16, BF16). As llama.cpp's CPU path does, the
// activations are first rounded to the weight's type (F16 or BF16), and the products of the
// widened values are accumulated in f32.
#include <cstring>

#include "core/fp16.h"
#include "kernels/ref/fp16_table.h"
#include "kernels/ref/matmul.h"
#include "kernels/ref/matmul_tile.h"

namespace minke {

void convert_row_f32(const float* x, void* out, int64_t k) {
  std::memcpy(out, x, static_cast<size_t>(k) * sizeof(float));
}

void convert_row_f16(const float* x, void* out, int64_t k) {
  auto* h = static_cast<uint16_t*>(out);
  for (int64_t i = 0; i < k; ++i) h[i] = f32_to_fp16(x[i]);
}

void convert_row_bf16(const float* x, void* out, int64_t k) {
  auto* h = static_cast<uint16_t*>(out);
  for (int64_t i = 0; i < k; ++i) h[i] = f32_to_bf16(x[i]);
}

// Float "blocks" are single elements; the block-dot is one product.
void matmul_f32_f32(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<float, float, 1>(a, m0, m1, n0, n1,
                                             [](float w, float x) { return w * x; });
}

void matmul_f16_f16(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const float* t = fp16_table();
  ref_detail::matmul_blocks<uint16_t, uint16_t, 1>(
      a, m0, m1, n0, n1, [t](uint16_t w, uint16_t x) { return fp16_lut(t, w) * fp16_lut(t, x); });
}

void matmul_bf16_bf16(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<uint16_t, uint16_t, 1>(
      a, m0, m1, n0, n1, [](uint16_t w, uint16_t x) { return bf16_to_f32(w) * bf16_to_f32(x); });
}

}  // namespace minke
