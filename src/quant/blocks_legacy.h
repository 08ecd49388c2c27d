// Block layouts of ggml's "legacy" 32-element quant types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q8_1), byte-for-byte as they sit in a GGUF file. fp16 fields are raw IEEE half bits;
// every multi-byte field is little-endian (GGUF is little-endian, so are our hosts).
#pragma once

#include <cstdint>

namespace minke {

inline constexpr int kQK32 = 32;  // elements per legacy block

// Q4_0: x[i] = d * (q[i] - 8), q in 0..15.
// qs[j] holds element j in its low nibble and element j + 16 in its high nibble.
struct BlockQ4_0 {
  uint16_t d;             // fp16 scale
  uint8_t qs[kQK32 / 2];  // 4-bit quants, nibble layout above
};
static_assert(sizeof(BlockQ4_0) == 18);

// Q4_1: x[i] = d * q[i] + m, q in 0..15; same nibble layout as Q4_0.
struct BlockQ4_1 {
  uint16_t d;  // fp16 scale
  uint16_t m;  // fp16 minimum (the value of q == 0)
  uint8_t qs[kQK32 / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

// Q5_0: x[i] = d * (q[i] - 16), q in 0..31. Low 4 bits as in Q4_0; bit 4 of element j is
// bit j of qh read as a little-endian uint32 (kept as bytes: the block is only 2-aligned).
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK32 / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

// Q5_1: x[i] = d * q[i] + m, q in 0..31; bits as in Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK32 / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

// Q8_0: x[i] = q[i] * d, q signed 8-bit. Also the activation format for legacy dot products.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK32];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Q8_1: like Q8_0 plus s = d * sum(q) (fp16), which Q4_1/Q5_1 dot products use for the
// minimum term. Layout only: no file stores it. This is ggml's current 36-byte layout; the
// type table (from gguf-py's GGML_QUANT_SIZES) still lists the old 40-byte f32 d/s variant.
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;
  int8_t qs[kQK32];
};
static_assert(sizeof(BlockQ8_1) == 36);

// Little-endian uint32 from 4 bytes (the qh field of Q5_0/Q5_1).
inline uint32_t load_u32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

}  // namespace minke
