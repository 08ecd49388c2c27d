// Reference quantization to MXFP4 (layout in blocks_mxfp4.h), byte-exact with gguf-py's
// MXFP4.quantize_blocks and ggml's quantize_row_mxfp4_ref: the exponent is
// floor(log2(max |x|)) - 2 + 127 (0 for an all-zero block), so the largest magnitude lands
// among the codes 4..6 (scaled: 4, 6, 8, 12 halves), and each element takes the code whose
// value code * half scale is nearest in f32, the lowest code on ties.
#include <cmath>

#include "core/check.h"
#include "quant/blocks_mxfp4.h"
#include "quant/quantize.h"

namespace minke {
namespace {

uint8_t nearest_code(float x, float d) {
  uint8_t best = 0;
  float best_err = std::fabs(static_cast<float>(kMxfp4Values[0]) * d - x);
  for (uint8_t i = 1; i < 16; ++i) {
    const float value = static_cast<float>(kMxfp4Values[i]) * d;
    const float err = std::fabs(value - x);
    if (err < best_err) {
      best = i;
      best_err = err;
    }
  }
  return best;
}

}  // namespace

void quantize_row_mxfp4(const float* in, void* blocks, int64_t n) {
  MINKE_CHECK(n >= 0 && n % 32 == 0);
  auto* b = static_cast<BlockMXFP4*>(blocks);
  for (int64_t k = n / 32; k-- > 0; ++b, in += 32) {
    float amax = 0.0f;
    for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(in[i]));
    // Through int: below 2^-125 the exponent is negative and wraps modulo 256, as the oracles'
    // float -> uint8 conversion does on x86 (no real weight is that small).
    const float e = std::floor(std::log2(amax)) - 2 + 127;
    b->e = amax > 0.0f ? static_cast<uint8_t>(static_cast<int>(e)) : 0;
    const float d = mxfp4_half_scale(b->e);
    for (int i = 0; i < 16; ++i) {
      b->qs[i] = static_cast<uint8_t>(nearest_code(in[i], d) | nearest_code(in[i + 16], d) << 4);
    }
  }
}

}  // namespace minke
