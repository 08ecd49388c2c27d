// Reference dequantization of MXFP4 (layout in blocks_mxfp4.h): x = code * half scale, one f32
// product per element, as gguf-py and ggml compute it.
#include "core/check.h"
#include "quant/blocks_mxfp4.h"
#include "quant/dequantize.h"

namespace minke {

void dequantize_row_mxfp4(const void* blocks, float* out, int64_t n) {
  MINKE_CHECK(n >= 0 && n % 32 == 0);
  const auto* b = static_cast<const BlockMXFP4*>(blocks);
  for (int64_t k = n / 32; k-- > 0; ++b, out += 32) {
    const float d = mxfp4_half_scale(b->e);
    for (int i = 0; i < 16; ++i) {
      out[i] = static_cast<float>(kMxfp4Values[b->qs[i] & 0xF]) * d;
      out[i + 16] = static_cast<float>(kMxfp4Values[b->qs[i] >> 4]) * d;
    }
  }
}

}  // namespace minke
