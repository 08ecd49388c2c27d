// AMX (Intel Sapphire Rapids and later) matmul kernels for the quantized weight types, over the
// AVX-512 path's packed layouts (simd_common/packed_formats.h) and activation formats.
//
// The tile unit computes the integer dot of every (activation row, weight row) pair of one
// sub-block at once: C[16 x 16] int32 = A[16 rows x kb int8] . B[kb/4 x 64 bytes], with B in the
// "quad vector" layout the packed granules already use (bytes 4r..4r+3 of a B row are four
// consecutive elements of weight row r). Integer sums are exact in any order, so a C tile holds
// exactly the per-block sums the AVX-512 kernel gets from VPDPBUSD; the f32 steps after it are
// that kernel's own, in its order, one row of C per vector. So y is bit-identical to the AVX-512
// path and to kernels/ref/, whatever the batch: decode (fewer than 16 rows) and the rows left
// over below a multiple of 16 simply run the AVX-512 kernel.
//
// Per granule of 16 weight rows, a chunk of blocks is unpacked once into int8 B tiles (nibbles
// split, fifth/sixth bits merged, offsets removed where a signed product says it directly; the
// K-quants' sub-block scales folded in as digit planes, see below), then every 16-row activation
// tile of the task runs over it; y itself carries the running f32 sum from one chunk to the next
// (storing and reloading a float changes nothing).
//
// What bounds it: a C tile reaches the vector units only through memory (a tile store, then
// loads), and the legacy formats' f32 steps (4 vector ops per row per 32-element block, on the
// two 512-bit ports) cost as much as the tile work; the K-quants pay them once per 256.
// F32/F16/BF16 weights keep the AVX-512 kernels: AMX's BF16 products are summed in an order and
// precision the reference does not have.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/isa_registry.h"
#include "kernels/simd_common/interleaved_matmul.h"
#include "kernels/simd_common/row_ops.h"
#include "kernels/x86_avx512/avx512_isa.h"

namespace minke {
namespace {

constexpr int R = Avx512::R;         // weight rows per granule = int32 columns of a C tile
constexpr int kTileRows = 16;        // activation rows per A and C tile
constexpr size_t kLine = 4 * R;      // bytes of one tile row (64)
using Sums = int32_t[kTileRows][R];  // one C tile as stored

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};

  void set(int tile, int rows_, int bytes) {
    rows[tile] = static_cast<uint8_t>(rows_);
    colsb[tile] = static_cast<uint16_t>(bytes);
  }
};

// g++'s tile intrinsics are asm statements that tell the compiler nothing of the memory they
// read or write: a tile store is followed by this, so the compiler knows `out` changed.
inline void stored(Sums& out) { asm volatile("" : "+m"(out)); }

__m512i load_sums(const Sums& s, int m) { return _mm512_load_si512(s[m]); }

// Each format below: Avx (its AVX-512 kernel format), kBlock, kSums (C tiles stored per block),
// kActBytes (bytes of one activation block), kUnpacked (bytes of one unpacked weight block),
// kScalars (per-block activation scalars finish() reads from the gathered table, written by
// scalars()), configure(), unpack(), dots<kPair>() (the block's tile work, on tile set kPair
// where a format alternates two) and finish() (the f32 steps of the AVX-512 kernel on rows
// m..m+15).

// ---- legacy 32-element blocks: one C tile per block, tiles alternating between blocks ----
// (C, A, B) = (0, 2, 4) and (1, 3, 5): A 16 rows x 32 bytes, B 8 rows x 64 bytes.
void configure_legacy() {
  TileConfig c;
  for (int t = 0; t < 2; ++t) {
    c.set(t, kTileRows, kLine);
    c.set(2 + t, kTileRows, 32);
    c.set(4 + t, 8, kLine);
  }
  _tile_loadconfig(&c);
}

// C = A . B of one block (A: 16 activation rows of 32 bytes at x, B: 8 quad-vector rows at b).
#define MINKE_AMX_DOT32(C, A, B, DP)              \
  _tile_loadd(A, x, static_cast<long>(x_stride)); \
  _tile_loadd(B, b, kLine);                       \
  _tile_zero(C);                                  \
  DP(C, A, B);                                    \
  _tile_stored(C, out, kLine)

template <int kPair, bool kSignedB>
inline void dot32(const uint8_t* x, size_t x_stride, const uint8_t* b, Sums& out) {
  if constexpr (kPair == 0 && kSignedB) {
    MINKE_AMX_DOT32(0, 2, 4, _tile_dpbssd);
  } else if constexpr (kPair == 0) {
    MINKE_AMX_DOT32(0, 2, 4, _tile_dpbsud);
  } else if constexpr (kSignedB) {
    MINKE_AMX_DOT32(1, 3, 5, _tile_dpbssd);
  } else {
    MINKE_AMX_DOT32(1, 3, 5, _tile_dpbsud);
  }
  stored(out);
}
#undef MINKE_AMX_DOT32

// A 4/5-bit legacy block's quants (4 quad vectors at qs, a 5-bit type's high-bit vector at
// high) as its B tile: rows 0-3 the low nibbles (elements 0..15), rows 4-7 the high ones
// (16..31), each minus `offset` (0 keeps them unsigned).
template <bool kFive>
void unpack_legacy(const uint8_t* qs, const uint8_t* high, int offset, uint8_t* out) {
  using N = simd::Nibbles<Avx512>;
  const __m512i off = Avx512::set1_i8(offset);
  __m512i h = Avx512::zero();
  if constexpr (kFive) h = Avx512::load(high);
  for (int t = 0; t < 4; ++t) {
    const __m512i v = Avx512::load(qs + t * kLine);
    __m512i lo = N::lo(v), hi = N::hi(v);
    if constexpr (kFive) {
      lo = Avx512::or_(lo, N::bit_to_4(h, t));
      hi = Avx512::or_(hi, N::bit_to_4(h, t + 4));
    }
    _mm512_store_si512(out + t * kLine, _mm512_sub_epi8(lo, off));
    _mm512_store_si512(out + (4 + t) * kLine, _mm512_sub_epi8(hi, off));
  }
}

// Q4_0 / Q5_0 against Q8_0S: B holds q - offset, so the signed dot is the reference's isum.
template <bool kFive>
struct AmxQ4Q5_0 {
  using Avx = simd::FmtQ4Q5_0<Avx512, kFive>;
  static constexpr int64_t kBlock = 32;
  static constexpr int kSums = 1;
  static constexpr size_t kActBytes = sizeof(simd::BlockQ8_0S), kActQs = 8;
  static constexpr size_t kUnpacked = 8 * kLine;

  static void configure() { configure_legacy(); }
  static void unpack(const uint8_t* w, uint8_t* out) {
    unpack_legacy<kFive>(w + 2 * R, w + 18 * R, Avx::kOffset, out);
  }
  template <int kPair>
  static void dots(const uint8_t* x, size_t x_stride, const uint8_t*, const uint8_t* u, Sums* c) {
    dot32<kPair, true>(x + kActQs, x_stride, u, c[0]);
  }
  static constexpr int kScalars = 1;  // d
  static void scalars(const uint8_t* x, uint32_t* out, int /*stride*/) {
    std::memcpy(out, &reinterpret_cast<const simd::BlockQ8_0S*>(x)->d, 4);
  }
  static void finish(const uint8_t* w, const uint8_t*, const uint8_t*, size_t, const float* act,
                     const Sums* c, __m512* acc) {
    const __m512 dw = Avx512::load_f16(w);
#pragma GCC unroll 16
    for (int m = 0; m < kTileRows; ++m) {
      const __m512 dx = Avx512::set1f(act[m]);
      const __m512 isum = Avx512::cvt(load_sums(c[0], m));
      const __m512 v =
          kFive ? Avx512::mul(Avx512::mul(dw, dx), isum) : Avx512::mul(Avx512::mul(isum, dw), dx);
      acc[m] = Avx512::add(acc[m], v);
    }
  }
};

// Q4_1 / Q5_1 against Q8_1S: B holds the unsigned quants.
template <bool kFive>
struct AmxQ4Q5_1 {
  using Avx = simd::FmtQ4Q5_1<Avx512, kFive>;
  static constexpr int64_t kBlock = 32;
  static constexpr int kSums = 1;
  static constexpr size_t kActBytes = sizeof(simd::BlockQ8_1S), kActQs = 8;
  static constexpr size_t kUnpacked = 8 * kLine;

  static void configure() { configure_legacy(); }
  static void unpack(const uint8_t* w, uint8_t* out) {
    unpack_legacy<kFive>(w + 4 * R, w + 20 * R, 0, out);
  }
  template <int kPair>
  static void dots(const uint8_t* x, size_t x_stride, const uint8_t*, const uint8_t* u, Sums* c) {
    dot32<kPair, false>(x + kActQs, x_stride, u, c[0]);
  }
  static constexpr int kScalars = 2;  // d, s
  static void scalars(const uint8_t* x, uint32_t* out, int stride) {
    const auto* xb = reinterpret_cast<const simd::BlockQ8_1S*>(x);
    std::memcpy(out, &xb->d, 4);
    std::memcpy(out + stride, &xb->s, 4);
  }
  static void finish(const uint8_t* w, const uint8_t*, const uint8_t*, size_t, const float* act,
                     const Sums* c, __m512* acc) {
    const __m512 dw = Avx512::load_f16(w), mw = Avx512::load_f16(w + 2 * R);
#pragma GCC unroll 16
    for (int m = 0; m < kTileRows; ++m) {
      const __m512 dx = Avx512::set1f(act[m]), sx = Avx512::set1f(act[kTileRows + m]);
      const __m512 scaled = Avx512::mul(Avx512::mul(dw, dx), Avx512::cvt(load_sums(c[0], m)));
      acc[m] = Avx512::add(acc[m], Avx512::add(scaled, Avx512::mul(mw, sx)));
    }
  }
};

// Q8_0 against Q8_0S: the packed quad vectors (stored XOR 0x80, unsigned) are the B tile as
// they lie; the activation block's `off` takes the bias back out, as in the AVX-512 kernel.
struct AmxQ8_0 {
  using Avx = simd::FmtQ8_0<Avx512>;
  static_assert(Avx::kOffset == 128);
  static constexpr int64_t kBlock = 32;
  static constexpr int kSums = 1;
  static constexpr size_t kActBytes = sizeof(simd::BlockQ8_0S), kActQs = 8;
  static constexpr size_t kUnpacked = 0;  // nothing to unpack

  static void configure() { configure_legacy(); }
  static void unpack(const uint8_t*, uint8_t*) {}
  template <int kPair>
  static void dots(const uint8_t* x, size_t x_stride, const uint8_t* w, const uint8_t*, Sums* c) {
    dot32<kPair, false>(x + kActQs, x_stride, w + 2 * R, c[0]);
  }
  static constexpr int kScalars = 2;  // d, off (its int32 bits)
  static void scalars(const uint8_t* x, uint32_t* out, int stride) {
    const auto* xb = reinterpret_cast<const simd::BlockQ8_0S*>(x);
    std::memcpy(out, &xb->d, 4);
    std::memcpy(out + stride, &xb->off, 4);
  }
  static void finish(const uint8_t* w, const uint8_t*, const uint8_t*, size_t, const float* act,
                     const Sums* c, __m512* acc) {
    const __m512 dw = Avx512::load_f16(w);
    const auto* off = reinterpret_cast<const int32_t*>(act + kTileRows);
#pragma GCC unroll 16
    for (int m = 0; m < kTileRows; ++m) {
      const __m512i s = Avx512::add32(load_sums(c[0], m), Avx512::set1_i32(off[m]));
      acc[m] =
          Avx512::add(acc[m], Avx512::mul(Avx512::cvt(s), Avx512::mul(dw, Avx512::set1f(act[m]))));
    }
  }
};

// ---- K-quants: the sub-block scales folded into the weights as digit planes ----
// isum = sum_j scale_j * (q . x over sub-block j). A scale is too big to multiply into an int8
// quant, but its base-b digits are not: with scale_j = sum_p b^p * digit_pj and B tile p holding
// digit_pj * q, the tile unit sums a whole super-block per plane in one C tile, and
// isum = sum_p b^p * C_p exactly (integers, no overflow: |C_p| < 2^23). So a super-block costs
// P planes x 4 dots of K = 64 and P tile stores, instead of a store and a multiply per sub-block.
// Tiles: C 0..P-1, A P (16 rows x 64 bytes of activations), B P+1..2P (16 quad-vector rows).
template <int kPlanes>
void configure_planes() {
  TileConfig c;
  for (int p = 0; p < kPlanes; ++p) {
    c.set(p, kTileRows, kLine);
    c.set(kPlanes + 1 + p, kTileRows, kLine);
  }
  c.set(kPlanes, kTileRows, kLine);
  _tile_loadconfig(&c);
}

// Bytes of one unpacked plane: 4 B tiles (elements 64s..64s+63, s = 0..3) of 16 x 64 bytes.
constexpr size_t kPlaneBytes = 4 * 16 * kLine;

// Bytewise q * digit of a quad vector whose 32-bit lanes each hold one row's four quants and
// whose digit vector holds that row's digit in each 32-bit lane: unsigned quants and digits with
// q * digit < 256 multiply as whole lanes without carries; signed ones take 16-bit halves.
__m512i times_digit_u(__m512i q, __m512i digit) { return _mm512_mullo_epi32(q, digit); }
__m512i times_digit_s(__m512i q, __m512i digit16) {
  const __m512i even = _mm512_srai_epi16(_mm512_slli_epi16(q, 8), 8);
  const __m512i odd = _mm512_srai_epi16(q, 8);
  const __m512i pe = _mm512_mullo_epi16(even, digit16), po = _mm512_mullo_epi16(odd, digit16);
  return _mm512_or_si512(_mm512_and_si512(pe, _mm512_set1_epi16(0xFF)), _mm512_slli_epi16(po, 8));
}

// Q4_K / Q5_K against Q8_KS: 8 sub-blocks of 32 with 6-bit scales, two octal digits (0..7, so
// digit * q <= 7 * 31 fits a byte); the minimum term and f32 steps of the AVX-512 kernel.
template <bool kFive>
struct AmxQ45_K {
  using Avx = simd::FmtQ45_K<Avx512, kFive>;
  static constexpr int64_t kBlock = 256;
  static constexpr int kPlanes = 2, kSums = kPlanes;
  static constexpr size_t kActBytes = sizeof(simd::BlockQ8_KS), kActQs = offsetof(BlockQ8_K, qs);
  static constexpr size_t kUnpacked = kPlanes * kPlaneBytes;

  static void configure() { configure_planes<kPlanes>(); }
  static void unpack(const uint8_t* w, uint8_t* out) {
    using N = simd::Nibbles<Avx512>;
    const uint8_t* qs = w + 20 * R;
    for (int c = 0; c < 4; ++c) {  // elements 64c..: sub-blocks 2c (low nibbles) and 2c + 1
      const __m512i s0 = Avx512::load_u8x(w + 4 * R + 2 * c * R);
      const __m512i s1 = Avx512::load_u8x(w + 4 * R + (2 * c + 1) * R);
      const __m512i seven = Avx512::set1_i32(7);
      const __m512i d[2][2] = {{_mm512_and_si512(s0, seven), _mm512_and_si512(s1, seven)},
                               {_mm512_srli_epi32(s0, 3), _mm512_srli_epi32(s1, 3)}};
      for (int t = 0; t < 8; ++t) {
        const __m512i v = Avx512::load(qs + (8 * c + t) * kLine);
        __m512i lo = N::lo(v), hi = N::hi(v);
        if constexpr (kFive) {
          const __m512i h = Avx512::load(w + 148 * R + t * kLine);
          lo = Avx512::or_(lo, N::bit_to_4(h, 2 * c));
          hi = Avx512::or_(hi, N::bit_to_4(h, 2 * c + 1));
        }
        for (int p = 0; p < kPlanes; ++p) {
          uint8_t* tile = out + p * kPlaneBytes + c * 16 * kLine;
          _mm512_store_si512(tile + t * kLine, times_digit_u(lo, d[p][0]));
          _mm512_store_si512(tile + (8 + t) * kLine, times_digit_u(hi, d[p][1]));
        }
      }
    }
  }
  template <int>
  static void dots(const uint8_t* x, size_t x_stride, const uint8_t*, const uint8_t* u, Sums* c) {
    const uint8_t* xq = x + kActQs;
    const auto stride = static_cast<long>(x_stride);
    _tile_zero(0);
    _tile_zero(1);
    for (int s = 0; s < 4; ++s) {
      _tile_loadd(2, xq + 64 * s, stride);
      _tile_loadd(3, u + s * 16 * kLine, kLine);
      _tile_loadd(4, u + kPlaneBytes + s * 16 * kLine, kLine);
      _tile_dpbsud(0, 2, 3);
      _tile_dpbsud(1, 2, 4);
    }
    _tile_stored(0, c[0], kLine);
    _tile_stored(1, c[1], kLine);
    stored(c[0]);
    stored(c[1]);
  }
  static constexpr int kScalars = 0;  // finish reads the activation blocks itself
  static void scalars(const uint8_t*, uint32_t*, int) {}
  static void finish(const uint8_t* w, const uint8_t*, const uint8_t* x, size_t x_stride,
                     const float*, const Sums* c, __m512* acc) {
    const __m512 dw = Avx512::load_f16(w), dminw = Avx512::load_f16(w + 2 * R);
    const uint8_t* mins = w + 12 * R;
    const __m512i min0 = Avx512::load(mins), min1 = Avx512::load(mins + 4 * R);
#pragma GCC unroll 16
    for (int m = 0; m < kTileRows; ++m) {
      const auto* xk = reinterpret_cast<const simd::BlockQ8_KS*>(x + m * x_stride);
      const __m512i isum = Avx512::add32(load_sums(c[0], m), Avx512::shl32(load_sums(c[1], m), 3));
      const int8_t* hi = xk->sum_hi;
      const int8_t* lo = xk->sum_lo;
      __m512i msum = Avx512::dot_u8s8(Avx512::dot_u8s8(Avx512::zero(), min0, Avx512::bcast4(hi)),
                                      min1, Avx512::bcast4(hi + 4));
      msum = Avx512::shl32(msum, 6);
      msum = Avx512::dot_u8s8(Avx512::dot_u8s8(msum, min0, Avx512::bcast4(lo)), min1,
                              Avx512::bcast4(lo + 4));
      const __m512 dx = Avx512::set1f(xk->q.d);
      const __m512 scaled = Avx512::mul(Avx512::mul(dw, dx), Avx512::cvt(isum));
      const __m512 min_term = Avx512::mul(Avx512::mul(dminw, dx), Avx512::cvt(msum));
      acc[m] = Avx512::add(acc[m], Avx512::sub(scaled, min_term));
    }
  }
};

// Q6_K against Q8_K: 16 sub-blocks of 16 with int8 scales, three balanced base-7 digits (-3..3,
// so digit * (q - 32) fits a signed byte); B holds digit * (q - 32), so the reference's
// -32 * bsum term is in the dots already.
struct AmxQ6_K {
  using Avx = simd::FmtQ6_K<Avx512>;
  static constexpr int64_t kBlock = 256;
  static constexpr int kPlanes = 3, kSums = kPlanes;
  static constexpr size_t kActBytes = sizeof(BlockQ8_K), kActQs = offsetof(BlockQ8_K, qs);
  static constexpr size_t kUnpacked = kPlanes * kPlaneBytes;

  // Balanced base-7 digit p of each 32-bit lane of sc (int32 in [-128, 127]), as 16-bit halves.
  static void digits(__m512i sc, __m512i* d) {
    for (int p = 0; p < kPlanes; ++p) {
      // d = ((sc + 3) mod 7) - 3 with a non-negative mod: sc + 3 + 7 * 25 > 0 always.
      const __m512i biased = _mm512_add_epi32(sc, _mm512_set1_epi32(3 + 7 * 25));
      const __m512i q = _mm512_srli_epi32(_mm512_mullo_epi32(biased, _mm512_set1_epi32(9363)), 16);
      const __m512i digit =
          _mm512_sub_epi32(_mm512_sub_epi32(biased, _mm512_mullo_epi32(q, _mm512_set1_epi32(7))),
                           _mm512_set1_epi32(3));
      // 16-bit copies in both halves of the lane (the digit is in [-3, 3]).
      d[p] = _mm512_or_si512(_mm512_and_si512(digit, _mm512_set1_epi32(0xFFFF)),
                             _mm512_slli_epi32(digit, 16));
      sc = _mm512_sub_epi32(q, _mm512_set1_epi32(25));  // (sc - digit) / 7
    }
  }

  static void configure() { configure_planes<kPlanes>(); }
  static void unpack(const uint8_t* w, uint8_t* out) {
    using N = simd::Nibbles<Avx512>;
    const uint8_t* ql = w + 18 * R;
    const uint8_t* qh = w + 146 * R;
    const __m512i offset = Avx512::set1_i8(32);
    for (int h = 0; h < 2; ++h) {
      for (int u = 0; u < 4; ++u) {  // elements 128h + 32u + (0..31): sub-blocks s, s + 1
        const int s = 8 * h + 2 * u;
        __m512i d[2][kPlanes];
        digits(Avx512::load_s8x(w + 2 * R + s * R), d[0]);
        digits(Avx512::load_s8x(w + 2 * R + (s + 1) * R), d[1]);
        for (int t = 0; t < 8; ++t) {
          const __m512i l = Avx512::load(ql + (8 * (2 * h + u % 2) + t) * kLine);
          const __m512i hb = Avx512::load(qh + (8 * h + t) * kLine);
          const __m512i high =
              Avx512::and_(u <= 2 ? Avx512::shl16(hb, 4 - 2 * u) : Avx512::shr16(hb, 2 * u - 4),
                           Avx512::set1_i8(0x30));
          const __m512i q = _mm512_sub_epi8(Avx512::or_(u < 2 ? N::lo(l) : N::hi(l), high), offset);
          // Element 128h + 32u + 4t + i is element 64k + 4r + i of K-step k = 2h + u / 2,
          // B row r = 8 (u % 2) + t.
          const int k = 2 * h + u / 2, r = 8 * (u % 2) + t;
          for (int p = 0; p < kPlanes; ++p) {
            _mm512_store_si512(out + p * kPlaneBytes + (k * 16 + r) * kLine,
                               times_digit_s(q, d[t / 4][p]));
          }
        }
      }
    }
  }
  template <int>
  static void dots(const uint8_t* x, size_t x_stride, const uint8_t*, const uint8_t* u, Sums* c) {
    const uint8_t* xq = x + kActQs;
    const auto stride = static_cast<long>(x_stride);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    for (int s = 0; s < 4; ++s) {
      _tile_loadd(3, xq + 64 * s, stride);
      _tile_loadd(4, u + s * 16 * kLine, kLine);
      _tile_loadd(5, u + kPlaneBytes + s * 16 * kLine, kLine);
      _tile_loadd(6, u + 2 * kPlaneBytes + s * 16 * kLine, kLine);
      _tile_dpbssd(0, 3, 4);
      _tile_dpbssd(1, 3, 5);
      _tile_dpbssd(2, 3, 6);
    }
    _tile_stored(0, c[0], kLine);
    _tile_stored(1, c[1], kLine);
    _tile_stored(2, c[2], kLine);
    stored(c[0]);
    stored(c[1]);
    stored(c[2]);
  }
  static constexpr int kScalars = 0;  // finish reads the activation blocks itself
  static void scalars(const uint8_t*, uint32_t*, int) {}
  static void finish(const uint8_t* w, const uint8_t*, const uint8_t* x, size_t x_stride,
                     const float*, const Sums* c, __m512* acc) {
    const __m512 dw = Avx512::load_f16(w);
#pragma GCC unroll 16
    for (int m = 0; m < kTileRows; ++m) {
      const auto* xb = reinterpret_cast<const BlockQ8_K*>(x + m * x_stride);
      // isum = C0 + 7 (C1 + 7 C2), with 7v = 8v - v.
      const __m512i c2 = load_sums(c[2], m);
      const __m512i t = Avx512::add32(load_sums(c[1], m), Avx512::sub32(Avx512::shl32(c2, 3), c2));
      const __m512i isum = Avx512::add32(load_sums(c[0], m), Avx512::sub32(Avx512::shl32(t, 3), t));
      const __m512 scaled = Avx512::mul(Avx512::mul(dw, Avx512::set1f(xb->d)), Avx512::cvt(isum));
      acc[m] = Avx512::add(acc[m], scaled);
    }
  }
};

// Activation rows per task (and per group of tiles sharing one unpacked chunk of a granule).
constexpr int32_t kAmxMTile = 64;

// Per thread: the unpacked blocks of one chunk of a granule, and the activation rows' per-block
// scalars (d, s, off) of one chunk, [tile][block][scalar][row], so the f32 steps broadcast them
// from one base pointer instead of 16 row pointers.
constexpr size_t kUnpackBytes = 32 * 1024;
constexpr int64_t kMaxChunk = 64;
alignas(64) thread_local uint8_t t_unpacked[kUnpackBytes];
alignas(64) thread_local uint32_t t_scalars[kAmxMTile / 16 * kMaxChunk * 2 * 16];

template <class F>
struct AmxMatmul {
  using Base = simd::InterleavedMatmul<Avx512, typename F::Avx>;
  static constexpr size_t kWBytes = F::Avx::kBytes;
  static constexpr int64_t kChunk = std::min<int64_t>(
      kMaxChunk, F::kUnpacked == 0 ? kMaxChunk : static_cast<int64_t>(kUnpackBytes / F::kUnpacked));
  static_assert(kChunk >= 1);
  static constexpr int kScalarWords = F::kScalars * kTileRows;  // per block of a tile
  // Blocks whose tile work is issued together, while the f32 steps of the group before run.
  static constexpr int kGroup = F::kSums == 1 ? 8 : 1;

  // Rows in 64-row groups; per group, K in chunks; per chunk, each granule's blocks are unpacked
  // once for all the group's 16-row tiles. y carries the running sums from chunk to chunk.
  static void run(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const int64_t m_amx = (m1 - m0) / kTileRows * kTileRows;
    if (m_amx > 0) {
      F::configure();
      const int64_t nb = a.k / F::kBlock;
      for (int64_t mg = m0; mg < m0 + m_amx; mg += kAmxMTile) {
        const int64_t mg1 = std::min(m0 + m_amx, mg + kAmxMTile);
        for (int64_t b0 = 0; b0 < nb; b0 += kChunk) {
          const int64_t b1 = std::min(nb, b0 + kChunk);
          gather_scalars(a, mg, mg1, b0, b1);
          for (int64_t n = n0; n < n1; n += R) {
            const uint8_t* wg = static_cast<const uint8_t*>(a.w) + (n / R) * a.w_stride;
            const int valid = static_cast<int>(std::min<int64_t>(R, n1 - n));
            for (int64_t b = b0; b < b1 && F::kUnpacked != 0; ++b) {
              F::unpack(wg + b * kWBytes, t_unpacked + (b - b0) * F::kUnpacked);
            }
            asm volatile("" ::: "memory");  // the unpacked tiles are in memory before tiles load
            for (int64_t m = mg; m < mg1; m += kTileRows) {
              const float* act = reinterpret_cast<const float*>(t_scalars) +
                                 (m - mg) / kTileRows * kChunk * kScalarWords;
              tile(a, wg, b0, b1, m, n, valid, act);
            }
          }
        }
      }
      _tile_release();
    }
    if (m0 + m_amx < m1) Base::run(a, m0 + m_amx, m1, n0, n1);
  }

  static void gather_scalars(const MatmulArgs& a, int64_t mg, int64_t mg1, int64_t b0, int64_t b1) {
    if constexpr (F::kScalars > 0) {
      for (int64_t m = mg; m < mg1; ++m) {
        const uint8_t* x = static_cast<const uint8_t*>(a.x) + m * a.x_row_bytes;
        uint32_t* out =
            t_scalars + (m - mg) / kTileRows * kChunk * kScalarWords + (m - mg) % kTileRows;
        for (int64_t b = b0; b < b1; ++b) {
          F::scalars(x + b * F::kActBytes, out + (b - b0) * kScalarWords, kTileRows);
        }
      }
    }
  }

  // The tile work of blocks [b, b + count) into sums (kSums C tiles per block).
  static void issue(const MatmulArgs& a, const uint8_t* wg, const uint8_t* x, int64_t b0, int64_t b,
                    int count, Sums* sums) {
    for (int i = 0; i < count; ++i) {
      const int64_t bi = b + i;
      const uint8_t* w = wg + bi * kWBytes;
      const uint8_t* u = t_unpacked + (bi - b0) * F::kUnpacked;
      if (i % 2 == 0) {
        F::template dots<0>(x + bi * F::kActBytes, a.x_row_bytes, w, u, sums + i * F::kSums);
      } else {
        F::template dots<1>(x + bi * F::kActBytes, a.x_row_bytes, w, u, sums + i * F::kSums);
      }
    }
  }

  // Blocks [b0, b1) of activation rows m..m+15 against the granule at column n; the running sums
  // start at 0 (b0 == 0) or at what y holds from the chunks before. A group's f32 steps run
  // after the next group's tile work is issued, so the tile unit and the vector units overlap.
  static void tile(const MatmulArgs& a, const uint8_t* wg, int64_t b0, int64_t b1, int64_t m,
                   int64_t n, int valid, const float* act) {
    const auto mask = static_cast<__mmask16>((1U << valid) - 1);
    float* y = a.y + m * a.y_stride + n;
    __m512 acc[kTileRows];
#pragma GCC unroll 16
    for (int r = 0; r < kTileRows; ++r) {
      acc[r] = b0 == 0 ? Avx512::zerof() : _mm512_maskz_loadu_ps(mask, y + r * a.y_stride);
    }
    const uint8_t* x = static_cast<const uint8_t*>(a.x) + m * a.x_row_bytes;
    alignas(64) Sums sums[2][kGroup * F::kSums];
    auto count = [&](int64_t b) { return static_cast<int>(std::min<int64_t>(kGroup, b1 - b)); };
    issue(a, wg, x, b0, b0, count(b0), sums[0]);
    int slot = 0;
    for (int64_t b = b0; b < b1; b += kGroup) {
      if (b + kGroup < b1) issue(a, wg, x, b0, b + kGroup, count(b + kGroup), sums[slot ^ 1]);
      for (int i = 0; i < count(b); ++i) {
        const int64_t bi = b + i;
        F::finish(wg + bi * kWBytes, t_unpacked + (bi - b0) * F::kUnpacked, x + bi * F::kActBytes,
                  a.x_row_bytes, act + (bi - b0) * kScalarWords, sums[slot] + i * F::kSums, acc);
      }
      slot ^= 1;
    }
#pragma GCC unroll 16
    for (int r = 0; r < kTileRows; ++r) _mm512_mask_storeu_ps(y + r * a.y_stride, mask, acc[r]);
  }
};

template <class F>
void use_amx(MatmulKernel* ks, int n, GgmlType type, const char* name) {
  for (int i = 0; i < n; ++i) {
    if (ks[i].weight_type != type) continue;
    ks[i].matmul = AmxMatmul<F>::run;
    ks[i].name = name;
    ks[i].m_tile = kAmxMTile;
  }
}

}  // namespace

// The row ops stay the AVX-512 path's (`ops` is left empty, so the table below them is kept).
int amx_kernels(MatmulKernel* out, KernelTable* /*ops*/) {
  using Row = simd::RowOps<Avx512>;
  const int n = simd::InterleavedKernels<Avx512>::fill<Row>(out);
  use_amx<AmxQ4Q5_0<false>>(out, n, GgmlType::Q4_0, "matmul_q4_0_q8_0s_amx");
  use_amx<AmxQ4Q5_0<true>>(out, n, GgmlType::Q5_0, "matmul_q5_0_q8_0s_amx");
  use_amx<AmxQ4Q5_1<false>>(out, n, GgmlType::Q4_1, "matmul_q4_1_q8_1s_amx");
  use_amx<AmxQ4Q5_1<true>>(out, n, GgmlType::Q5_1, "matmul_q5_1_q8_1s_amx");
  use_amx<AmxQ8_0>(out, n, GgmlType::Q8_0, "matmul_q8_0_q8_0s_amx");
  use_amx<AmxQ45_K<false>>(out, n, GgmlType::Q4_K, "matmul_q4_k_q8_ks_amx");
  use_amx<AmxQ45_K<true>>(out, n, GgmlType::Q5_K, "matmul_q5_k_q8_ks_amx");
  use_amx<AmxQ6_K>(out, n, GgmlType::Q6_K, "matmul_q6_k_q8_k_amx");
  return n;
}

}  // namespace minke
