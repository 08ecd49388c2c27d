// Block layouts of ggml's K-quants (Q2_K..Q8_K, 256-element super-blocks) as they sit in a
// GGUF file. Each super-block holds sub-blocks of 16 or 32 elements with their own small
// integer scales, themselves scaled by one fp16 (or f32 for Q8_K) super-scale.
#pragma once

#include <cstdint>

namespace minke {

inline constexpr int kQK_K = 256;  // elements per super-block

// Q2_K: 16 sub-blocks of 16. x = (d * (sc & 15)) * q - (dmin * (sc >> 4)), q in 0..3.
// Element e = h*128 + s*32 + l (h 0..1, s 0..3, l 0..31) is (qs[h*32 + l] >> 2s) & 3;
// its sub-block is e / 16.
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];  // low nibble: scale, high nibble: min, per sub-block
  uint8_t qs[kQK_K / 4];
  uint16_t d;     // fp16 super-scale of the scales
  uint16_t dmin;  // fp16 super-scale of the mins
};
static_assert(sizeof(BlockQ2_K) == 84);

// Q3_K: 16 sub-blocks of 16. x = (d * (sc - 32)) * q, q = low2 - (high bit ? 0 : 4).
// Element e = h*128 + s*32 + l: low2 = (qs[h*32 + l] >> 2s) & 3, high bit = bit (4h + s)
// of hmask[l]. Six-bit scales: the low 4 bits of scale k are the low nibble of scales[k]
// (k < 8) or the high nibble of scales[k - 8]; the top 2 bits are
// (scales[8 + k % 4] >> 2 * (k / 4)) & 3.
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// Q4_K: 8 sub-blocks of 32. x = (d * sc[j]) * q - (dmin * m[j]), q in 0..15.
// Element e = c*64 + n*32 + l (c 0..3, n 0..1) is nibble n of qs[c*32 + l]; sub-block
// j = e / 32. The six-bit sc/m are packed in 12 bytes (see k_scales.h).
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q5_K: Q4_K plus a fifth bit: bit 4 of element j*32 + l is bit j of qh[l].
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// Q6_K: 16 sub-blocks of 16. x = (d * scales[e / 16]) * (q - 32), q in 0..63.
// Element e = h*128 + t (h 0..1, t 0..127): low 4 bits are nibble t / 64 of
// ql[h*64 + t % 64]; high 2 bits are (qh[h*32 + t % 32] >> 2 * (t / 32)) & 3.
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Q8_K: the activation format for K-quant dot products. x = d * q; bsums[g] is the sum of
// q over elements 16g..16g+15 (lets dot products apply Q2_K..Q5_K mins without a pass).
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace minke
