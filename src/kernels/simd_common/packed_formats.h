// Row-interleaved weight layouts for the SIMD matmul kernels, made once at load (pack_*), and
// the activation format they read. A granule holds R weight rows (R = the ISA's 32-bit lanes:
// 4 for NEON, 8 for AVX2, 16 for AVX-512) block by block, so that one vector instruction computes
// the integer dot of the same block of R rows, lane r holding row r. Per-row scalars (fp16 scales,
// 6-bit sub-block scales) are stored lane-contiguous, so the f32 arithmetic runs on R rows at
// once in exactly the order the reference kernel uses per row: results are bit-identical to
// kernels/ref/ on every path.
//
// "Quad vectors": 4R bytes where bytes 4r..4r+3 are four consecutive bytes of row r's block.
// Packing a quad vector from the file's bytes is a pure 4-byte interleave; the nibbles keep the
// GGUF meaning (e.g. Q4_0 byte j: element j in the low nibble, element j + 16 in the high one).
//
// Granule block layouts (offsets in bytes, R rows):
//   Q4_0 : d[R] fp16 | qs: 4 quad vectors (file bytes 4t..4t+3)                     = 18R
//   Q4_1 : d[R] | m[R] | qs: 4 quad vectors                                           = 20R
//   Q5_0 : d[R] | qs: 4 quad vectors | h: 1 quad vector, byte 4r+i bit t = high bit of
//          element 4t+i (t = 0..7)                                                    = 22R
//   Q5_1 : d[R] | m[R] | qs | h                                                       = 24R
//   Q8_0 : d[R] | qs: 8 quad vectors (bytes 4t..4t+3; XOR 0x80 when `biased`)         = 34R
//   MXFP4: half scale[R] as bf16 (2^(e - 128), exact) | qs: 4 quad vectors (as Q4_0) = 18R
//   Q4_K : d[R] | dmin[R] | scale[8][R] (6-bit values unpacked to bytes) | min: 2 quad
//          vectors, vector v = mins 4v..4v+3 (unpacked) | qs: 32 quad vectors, vector
//          8c+t = file qs[32c + 4t ..]                                                = 148R
//   Q5_K : Q4_K | qh: 8 quad vectors, vector t = file qh[4t ..]                       = 180R
//   Q6_K : d[R] | scale[16][R] (int8) | ql: 32 quad vectors, vector 8(2h+v)+t = file
//          ql[64h + 32v + 4t ..] | qh: 16 quad vectors, vector 8h+t = file qh[32h + 4t ..] = 210R
//   F32 / F16 / BF16 (one element per "block"): element k of the R rows                = 4R / 2R
#pragma once

#include <cstddef>
#include <cstdint>

#include "quant/blocks_k.h"

namespace minke::simd {

// Activations for Q4_0/Q5_0/Q8_0 weights: the reference Q8_0 quantization (the same qs, and
// d as the f32 value of the reference's f16 scale, so the kernels broadcast it straight from
// memory) and the start value of the unsigned-times-signed integer dot: minus the weights'
// offset (8, 16, the 0x80 bias, or 0) times the block's quant sum, which takes the offset back
// out exactly. Which offset is the matmul kernel's: each has its own quantize_act.
struct BlockQ8_0S {
  float d;
  int32_t off;
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_0S) == 40);

// Activations for Q4_1/Q5_1 weights: the reference Q8_1 quantization (the same qs), its f16 d
// and s (= d * sum(qs)) as f32 values, broadcast straight from memory by the kernels.
struct BlockQ8_1S {
  float d;
  float s;
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_1S) == 40);

// Activations for Q4_K/Q5_K weights: the reference Q8_K quantization, plus its 8 sums over 32
// elements (the sub-blocks a weight's minimums apply to) split as 64 * hi + lo, hi in
// [-64, 64] and lo in [0, 63]: then the minimum term sum_j min_j * sum_j is two pairs of
// unsigned-times-signed byte dots against the weights' minimum quad vectors instead of eight
// 32-bit multiplies, and the same integer.
struct BlockQ8_KS {
  BlockQ8_K q;
  int8_t sum_hi[8];
  int8_t sum_lo[8];
};
static_assert(sizeof(BlockQ8_KS) == 308);

// Activations for F16 / BF16 weights: f32 values of x rounded to f16 / bf16 (the reference's
// converted row, widened once so the kernels broadcast it directly).
void convert_act_f16_as_f32(const float* x, void* out, int64_t k);
void convert_act_bf16_as_f32(const float* x, void* out, int64_t k);

// Bytes of one granule block (the layouts above) and packers with the PackFn signature.
template <int R>
struct Packed {
  static constexpr size_t kQ4_0 = 18 * R, kQ4_1 = 20 * R, kQ5_0 = 22 * R, kQ5_1 = 24 * R;
  static constexpr size_t kQ8_0 = 34 * R, kMxfp4 = 18 * R;
  static constexpr size_t kQ4_K = 148 * R, kQ5_K = 180 * R, kQ6_K = 210 * R;
};

template <int R, typename T>
void pack_float(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R>
void pack_q4_0(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R>
void pack_q4_1(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R>
void pack_q5_0(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R>
void pack_q5_1(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R, bool kBiased>
void pack_q8_0(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R>
void pack_mxfp4(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R>
void pack_q4_k(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R>
void pack_q5_k(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);
template <int R>
void pack_q6_k(const void* src, size_t row_bytes, int64_t rows, int64_t k, int64_t g, void* dst);

}  // namespace minke::simd
