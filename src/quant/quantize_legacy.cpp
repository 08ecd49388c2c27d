// Reference quantization to Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 (layouts in blocks_legacy.h).
// Byte-exact with gguf-py's quantize_blocks: every step is one f32 operation in the same
// order (e.g. q = trunc(x * (1 / d) + 8.5), never x / d), products kept in named temporaries
// so they are not fused into FMAs, and the f32 scales rounded to fp16 only when stored.
#include <cmath>

#include "core/check.h"
#include "core/fp16.h"
#include "quant/blocks_legacy.h"
#include "quant/quantize.h"

namespace minke {
namespace {

int64_t legacy_block_count(int64_t n) {
  MINKE_CHECK(n >= 0 && n % kQK32 == 0);
  return n / kQK32;
}

// The element with the largest magnitude, sign kept (first one on ties, like argmax).
float signed_absmax(const float* x) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < kQK32; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  return max;
}

struct MinMax {
  float min, max;
};
MinMax block_min_max(const float* x) {
  MinMax r{x[0], x[0]};
  for (int i = 1; i < kQK32; ++i) {
    r.min = std::fmin(r.min, x[i]);
    r.max = std::fmax(r.max, x[i]);
  }
  return r;
}

// trunc(v) clamped to 0..hi; v is >= 0 for finite input (v = x * id + offset, offset > |x * id|).
inline uint8_t trunc_clamped(float v, int hi) {
  const int q = static_cast<int>(v);
  return static_cast<uint8_t>(q < 0 ? 0 : (q > hi ? hi : q));
}

inline float inverse_or_zero(float d) { return d == 0.0f ? 0.0f : 1.0f / d; }

// Packs 32 quants: low 4 bits as nibbles (element i and i + 16 share byte i), bit 4 into qh.
void pack_nibbles(const uint8_t q[kQK32], uint8_t qs[kQK32 / 2], uint8_t* qh) {
  uint32_t high = 0;
  for (int i = 0; i < kQK32 / 2; ++i) {
    qs[i] = static_cast<uint8_t>((q[i] & 0xF) | (q[i + 16] & 0xF) << 4);
  }
  for (int i = 0; i < kQK32; ++i) high |= static_cast<uint32_t>((q[i] >> 4) & 1) << i;
  if (qh != nullptr) {
    for (int k = 0; k < 4; ++k) qh[k] = static_cast<uint8_t>(high >> (8 * k));
  }
}

// Symmetric types (Q4_0, Q5_0): d = max / -(2^(bits-1)), q = trunc(x * id + 2^(bits-1) + 0.5).
template <typename Block, int kBits>
void quantize_symmetric(const float* in, Block* b, int64_t n) {
  constexpr float kHalfRange = static_cast<float>(1 << (kBits - 1));
  for (int64_t k = legacy_block_count(n); k-- > 0; ++b, in += kQK32) {
    const float d = signed_absmax(in) / -kHalfRange;
    const float id = inverse_or_zero(d);
    uint8_t q[kQK32];
    for (int i = 0; i < kQK32; ++i) {
      const float scaled = in[i] * id;
      q[i] = trunc_clamped(scaled + (kHalfRange + 0.5f), (1 << kBits) - 1);
    }
    b->d = f32_to_fp16(d);
    if constexpr (kBits == 5) {
      pack_nibbles(q, b->qs, b->qh);
    } else {
      pack_nibbles(q, b->qs, nullptr);
    }
  }
}

// Affine types (Q4_1, Q5_1): d = (max - min) / (2^bits - 1), q = trunc((x - min) * id + 0.5).
template <typename Block, int kBits>
void quantize_affine(const float* in, Block* b, int64_t n) {
  constexpr int kMaxQ = (1 << kBits) - 1;
  for (int64_t k = legacy_block_count(n); k-- > 0; ++b, in += kQK32) {
    const MinMax mm = block_min_max(in);
    const float d = (mm.max - mm.min) / static_cast<float>(kMaxQ);
    const float id = inverse_or_zero(d);
    uint8_t q[kQK32];
    for (int i = 0; i < kQK32; ++i) {
      const float scaled = (in[i] - mm.min) * id;
      q[i] = trunc_clamped(scaled + 0.5f, kMaxQ);
    }
    b->d = f32_to_fp16(d);
    b->m = f32_to_fp16(mm.min);
    if constexpr (kBits == 5) {
      pack_nibbles(q, b->qs, b->qh);
    } else {
      pack_nibbles(q, b->qs, nullptr);
    }
  }
}

}  // namespace

void quantize_row_q4_0(const float* in, void* blocks, int64_t n) {
  quantize_symmetric<BlockQ4_0, 4>(in, static_cast<BlockQ4_0*>(blocks), n);
}

void quantize_row_q5_0(const float* in, void* blocks, int64_t n) {
  quantize_symmetric<BlockQ5_0, 5>(in, static_cast<BlockQ5_0*>(blocks), n);
}

void quantize_row_q4_1(const float* in, void* blocks, int64_t n) {
  quantize_affine<BlockQ4_1, 4>(in, static_cast<BlockQ4_1*>(blocks), n);
}

void quantize_row_q5_1(const float* in, void* blocks, int64_t n) {
  quantize_affine<BlockQ5_1, 5>(in, static_cast<BlockQ5_1*>(blocks), n);
}

// Q8_0: d = amax / 127, q = round-half-away(x * (1 / d)) (gguf-py np_roundf == C roundf).
void quantize_row_q8_0(const float* in, void* blocks, int64_t n) {
  auto* b = static_cast<BlockQ8_0*>(blocks);
  for (int64_t k = legacy_block_count(n); k-- > 0; ++b, in += kQK32) {
    float amax = 0.0f;
    for (int i = 0; i < kQK32; ++i) amax = std::fmax(amax, std::fabs(in[i]));
    const float d = amax / 127.0f;
    const float id = inverse_or_zero(d);
    for (int i = 0; i < kQK32; ++i) {
      b->qs[i] = static_cast<int8_t>(std::round(in[i] * id));
    }
    b->d = f32_to_fp16(d);
  }
}

}  // namespace minke
