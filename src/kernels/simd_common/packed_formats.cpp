// Packers for the row-interleaved layouts (packed_formats.h) and the Q8_0S activation
// quantizer. Baseline code (x86-64 or ARMv8-A): it runs at load and per matmul call, outside the
// ISA files.
#include "kernels/simd_common/packed_formats.h"

#include <bit>
#include <cstring>

#include "core/fp16.h"

#include "kernels/ref/matmul.h"
#include "quant/blocks_k.h"
#include "quant/blocks_legacy.h"
#include "quant/blocks_mxfp4.h"
#include "quant/k_scales.h"

namespace minke::simd {
namespace {

// Calls pack_block(block of row r, r, granule block dst) for every real row of granule g and
// every block; padding rows stay zero.
template <int R, typename Block, size_t kBytes, typename F>
void pack_rows(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst,
               int block_size, F pack_block) {
  const int64_t nb = k / block_size;
  auto* out = static_cast<uint8_t*>(dst);
  std::memset(out, 0, kBytes * static_cast<size_t>(nb));
  for (int r = 0; r < R; ++r) {
    const int64_t row = g * R + r;
    if (row >= rows) break;
    const auto* blocks =
        reinterpret_cast<const Block*>(static_cast<const uint8_t*>(src) + row * row_bytes);
    for (int64_t b = 0; b < nb; ++b) pack_block(blocks[b], r, out + b * kBytes);
  }
}

// Quad vector v (4R bytes at base) gets row r's bytes bytes[0..3].
template <int R>
void put_quad(uint8_t* base, int v, int r, const uint8_t* bytes) {
  std::memcpy(base + v * 4 * R + 4 * r, bytes, 4);
}

template <int R>
void put_u16(uint8_t* base, int r, uint16_t v) {
  std::memcpy(base + 2 * r, &v, 2);
}

// Q5 high bits: byte 4r+i bit t = bit (4t + i) of the block's 32-bit qh.
template <int R>
void put_q5_high(uint8_t* base, int r, const uint8_t qh[4]) {
  uint32_t h = 0;
  std::memcpy(&h, qh, 4);
  for (int i = 0; i < 4; ++i) {
    uint8_t byte = 0;
    for (int t = 0; t < 8; ++t) byte |= static_cast<uint8_t>(((h >> (4 * t + i)) & 1) << t);
    base[4 * r + i] = byte;
  }
}

}  // namespace

void convert_act_f16_as_f32(const float* x, void* out, int64_t k) {
  auto* y = static_cast<float*>(out);
  for (int64_t i = 0; i < k; ++i) y[i] = fp16_to_f32(f32_to_fp16(x[i]));
}

void convert_act_bf16_as_f32(const float* x, void* out, int64_t k) {
  auto* y = static_cast<float*>(out);
  for (int64_t i = 0; i < k; ++i) y[i] = bf16_to_f32(f32_to_bf16(x[i]));
}

template <int R, typename T>
void pack_float(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  auto* out = static_cast<T*>(dst);
  std::memset(out, 0, sizeof(T) * R * static_cast<size_t>(k));
  for (int r = 0; r < R && g * R + r < rows; ++r) {
    const auto* row = reinterpret_cast<const T*>(static_cast<const uint8_t*>(src) +
                                                 (g * R + r) * static_cast<int64_t>(row_bytes));
    for (int64_t i = 0; i < k; ++i) out[i * R + r] = row[i];
  }
}

template <int R>
void pack_q4_0(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockQ4_0, Packed<R>::kQ4_0>(src, row_bytes, rows, k, g, dst, kQK32,
                                            [](const BlockQ4_0& b, int r, uint8_t* o) {
                                              put_u16<R>(o, r, b.d);
                                              for (int t = 0; t < 4; ++t)
                                                put_quad<R>(o + 2 * R, t, r, b.qs + 4 * t);
                                            });
}

template <int R>
void pack_mxfp4(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockMXFP4, Packed<R>::kMxfp4>(
      src, row_bytes, rows, k, g, dst, kQK32, [](const BlockMXFP4& b, int r, uint8_t* o) {
        // bf16 is f32's top half: a power of two (even a subnormal one) keeps every bit.
        const auto bits = std::bit_cast<uint32_t>(mxfp4_half_scale(b.e));
        put_u16<R>(o, r, static_cast<uint16_t>(bits >> 16));
        for (int t = 0; t < 4; ++t) put_quad<R>(o + 2 * R, t, r, b.qs + 4 * t);
      });
}

template <int R>
void pack_q4_1(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockQ4_1, Packed<R>::kQ4_1>(src, row_bytes, rows, k, g, dst, kQK32,
                                            [](const BlockQ4_1& b, int r, uint8_t* o) {
                                              put_u16<R>(o, r, b.d);
                                              put_u16<R>(o + 2 * R, r, b.m);
                                              for (int t = 0; t < 4; ++t)
                                                put_quad<R>(o + 4 * R, t, r, b.qs + 4 * t);
                                            });
}

template <int R>
void pack_q5_0(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockQ5_0, Packed<R>::kQ5_0>(src, row_bytes, rows, k, g, dst, kQK32,
                                            [](const BlockQ5_0& b, int r, uint8_t* o) {
                                              put_u16<R>(o, r, b.d);
                                              for (int t = 0; t < 4; ++t)
                                                put_quad<R>(o + 2 * R, t, r, b.qs + 4 * t);
                                              put_q5_high<R>(o + 18 * R, r, b.qh);
                                            });
}

template <int R>
void pack_q5_1(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockQ5_1, Packed<R>::kQ5_1>(src, row_bytes, rows, k, g, dst, kQK32,
                                            [](const BlockQ5_1& b, int r, uint8_t* o) {
                                              put_u16<R>(o, r, b.d);
                                              put_u16<R>(o + 2 * R, r, b.m);
                                              for (int t = 0; t < 4; ++t)
                                                put_quad<R>(o + 4 * R, t, r, b.qs + 4 * t);
                                              put_q5_high<R>(o + 20 * R, r, b.qh);
                                            });
}

template <int R, bool kBiased>
void pack_q8_0(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockQ8_0, Packed<R>::kQ8_0>(src, row_bytes, rows, k, g, dst, kQK32,
                                            [](const BlockQ8_0& b, int r, uint8_t* o) {
                                              put_u16<R>(o, r, b.d);
                                              for (int t = 0; t < 8; ++t) {
                                                uint8_t q[4];
                                                std::memcpy(q, b.qs + 4 * t, 4);
                                                if (kBiased) {
                                                  for (uint8_t& v : q) v ^= 0x80;
                                                }
                                                put_quad<R>(o + 2 * R, t, r, q);
                                              }
                                            });
}

template <int R, typename Block>
void pack_k45_common(const Block& b, int r, uint8_t* o) {
  put_u16<R>(o, r, b.d);
  put_u16<R>(o + 2 * R, r, b.dmin);
  for (int j = 0; j < 8; ++j) {
    const ScaleMin sm = unpack_k4_scale_min(b.scales, j);
    o[4 * R + j * R + r] = sm.scale;
    o[12 * R + (j / 4) * 4 * R + 4 * r + j % 4] = sm.min;
  }
  for (int v = 0; v < 32; ++v) put_quad<R>(o + 20 * R, v, r, b.qs + 4 * v);
}

template <int R>
void pack_q4_k(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockQ4_K, Packed<R>::kQ4_K>(
      src, row_bytes, rows, k, g, dst, kQK_K,
      [](const BlockQ4_K& b, int r, uint8_t* o) { pack_k45_common<R>(b, r, o); });
}

template <int R>
void pack_q5_k(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockQ5_K, Packed<R>::kQ5_K>(src, row_bytes, rows, k, g, dst, kQK_K,
                                            [](const BlockQ5_K& b, int r, uint8_t* o) {
                                              pack_k45_common<R>(b, r, o);
                                              for (int t = 0; t < 8; ++t)
                                                put_quad<R>(o + 148 * R, t, r, b.qh + 4 * t);
                                            });
}

template <int R>
void pack_q6_k(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst) {
  pack_rows<R, BlockQ6_K, Packed<R>::kQ6_K>(
      src, row_bytes, rows, k, g, dst, kQK_K, [](const BlockQ6_K& b, int r, uint8_t* o) {
        put_u16<R>(o, r, b.d);
        for (int j = 0; j < 16; ++j) o[2 * R + j * R + r] = static_cast<uint8_t>(b.scales[j]);
        for (int v = 0; v < 32; ++v) put_quad<R>(o + 18 * R, v, r, b.ql + 4 * v);
        for (int v = 0; v < 16; ++v) put_quad<R>(o + 146 * R, v, r, b.qh + 4 * v);
      });
}

#define MINKE_PACKERS(R)                                                                    \
  template void pack_q4_0<R>(const void*, size_t, int64_t, int64_t, int64_t, void*);        \
  template void pack_q4_1<R>(const void*, size_t, int64_t, int64_t, int64_t, void*);        \
  template void pack_mxfp4<R>(const void*, size_t, int64_t, int64_t, int64_t, void*);       \
  template void pack_q5_0<R>(const void*, size_t, int64_t, int64_t, int64_t, void*);        \
  template void pack_q5_1<R>(const void*, size_t, int64_t, int64_t, int64_t, void*);        \
  template void pack_q8_0<R, false>(const void*, size_t, int64_t, int64_t, int64_t, void*); \
  template void pack_q8_0<R, true>(const void*, size_t, int64_t, int64_t, int64_t, void*);  \
  template void pack_q4_k<R>(const void*, size_t, int64_t, int64_t, int64_t, void*);        \
  template void pack_q5_k<R>(const void*, size_t, int64_t, int64_t, int64_t, void*);        \
  template void pack_q6_k<R>(const void*, size_t, int64_t, int64_t, int64_t, void*);
#define MINKE_FLOAT_PACKERS(R)                                                               \
  template void pack_float<R, float>(const void*, size_t, int64_t, int64_t, int64_t, void*); \
  template void pack_float<R, uint16_t>(const void*, size_t, int64_t, int64_t, int64_t, void*);
MINKE_PACKERS(4)   // NEON
MINKE_PACKERS(8)   // AVX2
MINKE_PACKERS(16)  // AVX-512
MINKE_FLOAT_PACKERS(4)
MINKE_FLOAT_PACKERS(8)
MINKE_FLOAT_PACKERS(16)
#undef MINKE_PACKERS
#undef MINKE_FLOAT_PACKERS

}  // namespace minke::simd
