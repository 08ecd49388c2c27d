// Reference dequantization of IQ4_NL and IQ4_XS (codebook in blocks_iq.h). As in gguf-py the
// sub-block scale d * (ls - 32) is rounded to f32 before multiplying by the codebook value.
#include "core/check.h"
#include "core/fp16.h"
#include "quant/blocks_iq.h"
#include "quant/dequantize.h"

namespace minke {

void dequantize_row_iq4_nl(const void* blocks, float* out, int64_t n) {
  MINKE_CHECK(n >= 0 && n % 32 == 0);
  const auto* b = static_cast<const BlockIQ4_NL*>(blocks);
  for (int64_t k = n / 32; k-- > 0; ++b, out += 32) {
    const float d = fp16_to_f32(b->d);
    for (int i = 0; i < 16; ++i) {
      out[i] = d * static_cast<float>(kIq4Values[b->qs[i] & 0xF]);
      out[i + 16] = d * static_cast<float>(kIq4Values[b->qs[i] >> 4]);
    }
  }
}

void dequantize_row_iq4_xs(const void* blocks, float* out, int64_t n) {
  MINKE_CHECK(n >= 0 && n % 256 == 0);
  const auto* b = static_cast<const BlockIQ4_XS*>(blocks);
  for (int64_t k = n / 256; k-- > 0; ++b, out += 256) {
    const float d = fp16_to_f32(b->d);
    for (int j = 0; j < 8; ++j) {
      const int low = (b->scales_l[j / 2] >> (4 * (j % 2))) & 0xF;
      const int high = (b->scales_h >> (2 * j)) & 3;
      const float dl = d * static_cast<float>((low | high << 4) - 32);
      const uint8_t* qs = b->qs + j * 16;
      for (int i = 0; i < 16; ++i) {
        out[j * 32 + i] = dl * static_cast<float>(kIq4Values[qs[i] & 0xF]);
        out[j * 32 + i + 16] = dl * static_cast<float>(kIq4Values[qs[i] >> 4]);
      }
    }
  }
}

}  // namespace minke
