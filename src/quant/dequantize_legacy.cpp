// Reference dequantization of the 32-element legacy types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0.
// Operation order mirrors gguf-py (and ggml's dequantize_row_*): the fp16 fields are widened
// to f32 first, then one f32 multiply (and, with a minimum, a separate f32 add). The product
// is a named temporary so no compiler contracts d * q + m into a fused multiply-add, which
// would round once instead of twice and break bit-exactness.
#include "core/check.h"
#include "core/fp16.h"
#include "quant/blocks_legacy.h"
#include "quant/dequantize.h"

namespace minke {
namespace {

int64_t legacy_block_count(int64_t n) {
  MINKE_CHECK(n >= 0 && n % kQK32 == 0);
  return n / kQK32;
}

// 4-bit value of element i (0..31) in a Q4_0/Q4_1/Q5_x/IQ4_NL nibble array.
inline int low_nibble_quant(const uint8_t* qs, int i) {
  return i < 16 ? (qs[i] & 0xF) : (qs[i - 16] >> 4);
}

}  // namespace

void dequantize_row_q4_0(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(blocks);
  for (int64_t k = legacy_block_count(n); k-- > 0; ++b, out += kQK32) {
    const float d = fp16_to_f32(b->d);
    for (int i = 0; i < kQK32; ++i) {
      out[i] = d * static_cast<float>(low_nibble_quant(b->qs, i) - 8);
    }
  }
}

void dequantize_row_q4_1(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ4_1*>(blocks);
  for (int64_t k = legacy_block_count(n); k-- > 0; ++b, out += kQK32) {
    const float d = fp16_to_f32(b->d);
    const float m = fp16_to_f32(b->m);
    for (int i = 0; i < kQK32; ++i) {
      const float scaled = d * static_cast<float>(low_nibble_quant(b->qs, i));
      out[i] = scaled + m;
    }
  }
}

void dequantize_row_q5_0(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ5_0*>(blocks);
  for (int64_t k = legacy_block_count(n); k-- > 0; ++b, out += kQK32) {
    const float d = fp16_to_f32(b->d);
    const uint32_t qh = load_u32_le(b->qh);
    for (int i = 0; i < kQK32; ++i) {
      const int q = low_nibble_quant(b->qs, i) | static_cast<int>((qh >> i) & 1u) << 4;
      out[i] = d * static_cast<float>(q - 16);
    }
  }
}

void dequantize_row_q5_1(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ5_1*>(blocks);
  for (int64_t k = legacy_block_count(n); k-- > 0; ++b, out += kQK32) {
    const float d = fp16_to_f32(b->d);
    const float m = fp16_to_f32(b->m);
    const uint32_t qh = load_u32_le(b->qh);
    for (int i = 0; i < kQK32; ++i) {
      const int q = low_nibble_quant(b->qs, i) | static_cast<int>((qh >> i) & 1u) << 4;
      const float scaled = d * static_cast<float>(q);
      out[i] = scaled + m;
    }
  }
}

void dequantize_row_q8_0(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ8_0*>(blocks);
  for (int64_t k = legacy_block_count(n); k-- > 0; ++b, out += kQK32) {
    const float d = fp16_to_f32(b->d);
    for (int i = 0; i < kQK32; ++i) out[i] = static_cast<float>(b->qs[i]) * d;
  }
}

}  // namespace minke
