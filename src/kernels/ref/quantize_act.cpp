// Activation quantizers for the integer matmuls (Q8_0, Q8_1), in the arithmetic of llama.cpp's
// x86 activation path rather than of its reference quantizer (src/quant/, exact vs gguf-py):
// the multiplier is 127 / amax (not 1 / (amax / 127)) and x * id is rounded half to even (the
// SIMD round instruction), not half away from zero. Either is a fine quantizer; matching the one
// llama.cpp runs keeps our int8 roundings identical to its, so logits agree to f32 noise.
#include "kernels/ref/matmul.h"

#include <cmath>

#include "core/check.h"
#include "core/fp16.h"
#include "quant/blocks_legacy.h"

namespace minke {
namespace {

// One 32-element block: q = nearest-even(x * 127 / amax); returns d = amax / 127 in f32.
float quantize_block(const float* x, int8_t* q) {
  float amax = 0.0f;
  for (int j = 0; j < kQK32; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  for (int j = 0; j < kQK32; ++j) {
    // nearbyint rounds half to even in the default floating-point environment; |x * id| <= 127
    // up to one rounding, so no clamp is needed.
    q[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));
  }
  return d;
}

}  // namespace

uint16_t quantize_act_block_q8(const float* x, int8_t* q) {
  return f32_to_fp16(quantize_block(x, q));
}

void quantize_act_q8_0(const float* x, void* out, int64_t k) {
  MINKE_DCHECK(k % kQK32 == 0);
  auto* b = static_cast<BlockQ8_0*>(out);
  for (int64_t i = 0; i < k / kQK32; ++i, ++b, x += kQK32) {
    b->d = f32_to_fp16(quantize_block(x, b->qs));
  }
}

void quantize_act_q8_1(const float* x, void* out, int64_t k) {
  MINKE_DCHECK(k % kQK32 == 0);
  auto* b = static_cast<BlockQ8_1*>(out);
  for (int64_t i = 0; i < k / kQK32; ++i, ++b, x += kQK32) {
    const float d = quantize_block(x, b->qs);
    int sum = 0;
    for (int j = 0; j < kQK32; ++j) sum += b->qs[j];
    b->d = f32_to_fp16(d);
    // s = d * sum(q) with the unrounded f32 d, stored as fp16 (it carries the weight minimum).
    b->s = f32_to_fp16(d * static_cast<float>(sum));
  }
}

}  // namespace minke
