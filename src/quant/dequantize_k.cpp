// Reference dequantization of the K-quants Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K (layouts in
// blocks_k.h). Order of operations mirrors gguf-py, which here equals ggml's C reference:
// the sub-block scale is first rounded to f32 (d * sc), then multiplied by the quant, and the
// f32 min term (dmin * m) is subtracted afterwards. Products are named temporaries so nothing
// is fused into an FMA (that would change the rounding).
#include "core/check.h"
#include "core/fp16.h"
#include "quant/blocks_k.h"
#include "quant/dequantize.h"
#include "quant/k_scales.h"

namespace minke {
namespace {

int64_t k_block_count(int64_t n) {
  MINKE_CHECK(n >= 0 && n % kQK_K == 0);
  return n / kQK_K;
}

}  // namespace

void dequantize_row_q2_k(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ2_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, out += kQK_K) {
    const float d = fp16_to_f32(b->d);
    const float dmin = fp16_to_f32(b->dmin);
    for (int e = 0; e < kQK_K; ++e) {
      const int h = e / 128, s = (e / 32) % 4, l = e % 32;
      const uint8_t sc = b->scales[e / 16];
      const float dl = d * static_cast<float>(sc & 0xF);
      const float ml = dmin * static_cast<float>(sc >> 4);
      const int q = (b->qs[h * 32 + l] >> (2 * s)) & 3;
      const float scaled = dl * static_cast<float>(q);
      out[e] = scaled - ml;
    }
  }
}

void dequantize_row_q3_k(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ3_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, out += kQK_K) {
    const float d = fp16_to_f32(b->d);
    int scales[16];
    for (int j = 0; j < 16; ++j) {
      const int low = j < 8 ? (b->scales[j] & 0xF) : (b->scales[j - 8] >> 4);
      const int high = (b->scales[8 + j % 4] >> (2 * (j / 4))) & 3;
      scales[j] = (low | high << 4) - 32;
    }
    for (int e = 0; e < kQK_K; ++e) {
      const int h = e / 128, s = (e / 32) % 4, l = e % 32;
      const int low2 = (b->qs[h * 32 + l] >> (2 * s)) & 3;
      const bool high_bit = (b->hmask[l] >> (4 * h + s)) & 1;
      // A set high bit means "no offset"; a clear one subtracts 4 (q in -4..3).
      const int q = low2 - (high_bit ? 0 : 4);
      const float dl = d * static_cast<float>(scales[e / 16]);
      out[e] = dl * static_cast<float>(q);
    }
  }
}

void dequantize_row_q4_k(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ4_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, out += kQK_K) {
    const float d = fp16_to_f32(b->d);
    const float dmin = fp16_to_f32(b->dmin);
    for (int j = 0; j < 8; ++j) {
      const ScaleMin sm = unpack_k4_scale_min(b->scales, j);
      const float dl = d * static_cast<float>(sm.scale);
      const float ml = dmin * static_cast<float>(sm.min);
      const uint8_t* qs = b->qs + (j / 2) * 32;
      const int shift = 4 * (j % 2);
      for (int l = 0; l < 32; ++l) {
        const float scaled = dl * static_cast<float>((qs[l] >> shift) & 0xF);
        out[j * 32 + l] = scaled - ml;
      }
    }
  }
}

void dequantize_row_q5_k(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ5_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, out += kQK_K) {
    const float d = fp16_to_f32(b->d);
    const float dmin = fp16_to_f32(b->dmin);
    for (int j = 0; j < 8; ++j) {
      const ScaleMin sm = unpack_k4_scale_min(b->scales, j);
      const float dl = d * static_cast<float>(sm.scale);
      const float ml = dmin * static_cast<float>(sm.min);
      const uint8_t* qs = b->qs + (j / 2) * 32;
      const int shift = 4 * (j % 2);
      for (int l = 0; l < 32; ++l) {
        const int q = ((qs[l] >> shift) & 0xF) | ((b->qh[l] >> j) & 1) << 4;
        const float scaled = dl * static_cast<float>(q);
        out[j * 32 + l] = scaled - ml;
      }
    }
  }
}

void dequantize_row_q6_k(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ6_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, out += kQK_K) {
    const float d = fp16_to_f32(b->d);
    for (int e = 0; e < kQK_K; ++e) {
      const int h = e / 128, t = e % 128;
      const int low4 = (b->ql[h * 64 + t % 64] >> (4 * (t / 64))) & 0xF;
      const int high2 = (b->qh[h * 32 + t % 32] >> (2 * (t / 32))) & 3;
      const float dl = d * static_cast<float>(b->scales[e / 16]);
      out[e] = dl * static_cast<float>((low4 | high2 << 4) - 32);
    }
  }
}

void dequantize_row_q8_k(const void* blocks, float* out, int64_t n) {
  const auto* b = static_cast<const BlockQ8_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, out += kQK_K) {
    for (int e = 0; e < kQK_K; ++e) out[e] = b->d * static_cast<float>(b->qs[e]);
  }
}

}  // namespace minke
