// The SIMD matmul kernels over the row-interleaved layouts of packed_formats.h, written once
// against an ISA description (`Isa`, defined in kernels/x86_avx2/, kernels/x86_avx512/ and
// kernels/arm_neon/ in an anonymous namespace, so each ISA's instantiations are its own and
// never mix at link time).
//
// Each lane of a vector is one weight row: per block, the integer dot products of R rows come
// out of the multiply-accumulate instructions already in lanes, and the f32 steps (scales,
// minimum terms, the running sum over blocks) are the reference kernel's own operations, in
// its order, on R rows at once. So y is bit-identical to kernels/ref/ whatever the path, M, the
// tiling or the thread count; there is no FMA (the reference rounds every product).
//
// Isa provides: R (lanes), kMT (activation rows per register tile), kBiasedQ8 (Q8_0 weights
// stored XOR 0x80 and multiplied unsigned), vector types VI (R x i32) and VF (R x f32), and
// zero, load, set1_i8, set1_i32, bcast4, and_, or_, shl16, shr16, shl32, dot_u8s8, dot_s8s8,
// add32, sub32, mul32, load_u8x, load_s8x, cvt, zerof, set1f, mul, add, sub, load_f16, store;
// kPairSums16 (16-bit pair sums widened per block: dot16_u8s8, widen16) and kMmla (pair
// products: mmla, zip_lo32, zip_hi32, zip_lo64, zip_hi64, pair8; see PairDots).
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/ref/matmul.h"
#include "kernels/simd_common/packed_formats.h"
#include "quant/blocks_k.h"
#include "quant/blocks_legacy.h"
#include "quant/blocks_mxfp4.h"

namespace minke::simd {

// Splits [m0, m1) x [n0, n1) into register tiles of up to kMT activation rows and NG granules
// of R weight rows; Fmt::block accumulates one block of the K loop for a tile. A format with
// kWide takes two granules at once (each activation broadcast and per-block activation scalar
// then serves 2R rows); the others, and a last odd granule, take one.
template <class Isa, class Fmt>
struct InterleavedMatmul {
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int kWideNG = Fmt::kWide ? 2 : 1;

  // Touches the block that lies `ahead` bytes past p (a hint: prefetches never fault).
  static void prefetch(const uint8_t* p, size_t ahead) {
    for (size_t o = 0; o < Fmt::kBytes; o += 64) __builtin_prefetch(p + ahead + o);
  }

  // `ahead`: MatmulArgs::prefetch when this tile streams each weight once (0 otherwise).
  template <int MT, int NG>
  static void tile(const MatmulArgs& a, const uint8_t* const* wg, int64_t m0, int64_t n, int valid,
                   size_t ahead) {
    VF acc[MT][NG];
    const uint8_t* xs[MT];
    for (int m = 0; m < MT; ++m) {
      for (int g = 0; g < NG; ++g) acc[m][g] = Isa::zerof();
      xs[m] = static_cast<const uint8_t*>(a.x) + (m0 + m) * static_cast<int64_t>(a.x_row_bytes);
    }
    const int64_t nb = a.k / Fmt::kBlock;
    const uint8_t* w[NG];
    for (int g = 0; g < NG; ++g) w[g] = wg[g];
    for (int64_t b = 0; b < nb; ++b) {
      if (ahead != 0) {
        for (int g = 0; g < NG; ++g) prefetch(w[g], ahead);
      }
      if constexpr (Fmt::kWide) {
        Fmt::template block<MT, NG>(w, xs, b, acc);
      } else {
        Fmt::template block<MT>(w[0], xs, b, &acc[0][0]);
      }
      for (int g = 0; g < NG; ++g) w[g] += Fmt::kBytes;
    }
    for (int m = 0; m < MT; ++m) {
      for (int g = 0; g < NG; ++g) {
        Isa::store(a.y + (m0 + m) * a.y_stride + n + g * R, acc[m][g], g == NG - 1 ? valid : R);
      }
    }
  }

  // Rows [m0, m1) against NG granules from column n (all full but possibly the last).
  template <int NG>
  static void rows(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n, int valid) {
    const uint8_t* wg[NG];
    for (int g = 0; g < NG; ++g) {
      wg[g] = static_cast<const uint8_t*>(a.w) + (n / R + g) * a.w_stride;
    }
    // Rows that fit one register tile read each weight once, at DRAM speed: prefetch there.
    const size_t ahead = m1 - m0 <= Isa::kMT ? a.prefetch : 0;
    int64_t m = m0;
    for (; m + Isa::kMT <= m1; m += Isa::kMT) tile<Isa::kMT, NG>(a, wg, m, n, valid, ahead);
    tail<Isa::kMT - 1, NG>(a, wg, m, m1, n, valid, ahead);
  }

  // Rows [m, m1) with m1 - m < MT, in one tile of exactly that height.
  template <int MT, int NG>
  static void tail(const MatmulArgs& a, const uint8_t* const* wg, int64_t m, int64_t m1, int64_t n,
                   int valid, size_t ahead) {
    if constexpr (MT > 0) {
      if (m1 - m == MT) {
        tile<MT, NG>(a, wg, m, n, valid, ahead);
      } else {
        tail<MT - 1, NG>(a, wg, m, m1, n, valid, ahead);
      }
    }
  }

  static void run(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    int64_t n = n0;  // n0 is a multiple of R (the granule)
    if constexpr (kWideNG > 1) {
      if (m1 - m0 > 1) {  // a single row (decode) measured faster one granule at a time
        for (; n + kWideNG * R <= n1; n += kWideNG * R) rows<kWideNG>(a, m0, m1, n, R);
      }
    }
    for (; n < n1; n += R) rows<1>(a, m0, m1, n, n1 - n < R ? static_cast<int>(n1 - n) : R);
  }

  static size_t granule_bytes(int64_t k) {
    return static_cast<size_t>(k / Fmt::kBlock) * Fmt::kBytes;
  }
};

template <class Isa>
struct Nibbles {
  using VI = typename Isa::VI;
  static VI lo(VI v) { return Isa::and_(v, Isa::set1_i8(0x0F)); }
  static VI hi(VI v) { return Isa::and_(Isa::shr16(v, 4), Isa::set1_i8(0x0F)); }
  // Bit `bit` of every byte of h moved to bit 4 (the fifth bit of a Q5 quant), others clear.
  static VI bit_to_4(VI h, int bit) {
    const VI moved = bit <= 4 ? Isa::shl16(h, 4 - bit) : Isa::shr16(h, bit - 4);
    return Isa::and_(moved, Isa::set1_i8(0x10));
  }
};

// Pair products (Isa::kMmla, AArch64 SMMLA): one instruction adds a 2 x 2 block of 8-byte dots,
// activation rows (m, m + 1) against weight rows (r, r + 1). Two quad vectors of the same rows
// (k 4t.. and 4t + 4..) zipped by 32-bit lane give the weight pairs (rows 0, 1 and 2, 3 of a
// 4-lane granule), so the packed layout stays the one every other path reads. An odd last
// activation row is paired with itself and its copy dropped. The 32-bit sums are exact, so
// any grouping gives the lane kernels' integers.
template <class Isa, int MT, int NG>
struct PairDots {
  using VI = typename Isa::VI;
  static constexpr int MP = (MT + 1) / 2;
  static_assert(Isa::R == 4, "pair products cover a 4-lane granule");
  VI a01[MP][NG], a23[MP][NG];  // [m r0, m r1, m+1 r0, m+1 r1] and the same for r2, r3

  PairDots() {
    for (int p = 0; p < MP; ++p) {
      for (int g = 0; g < NG; ++g) a01[p][g] = a23[p][g] = Isa::zero();
    }
  }
  // Quad vectors q0 (bytes k..k+3 of each row) and q1 (k+4..k+7) of granule g against the
  // activation bytes x[m] + off .. + 7.
  void add(int g, VI q0, VI q1, const int8_t* const* x, int off) {
    const VI w01 = Isa::zip_lo32(q0, q1), w23 = Isa::zip_hi32(q0, q1);
    for (int p = 0; p < MP; ++p) {
      const int m1 = 2 * p + 1 < MT ? 2 * p + 1 : 2 * p;
      const VI a = Isa::pair8(x[2 * p] + off, x[m1] + off);
      a01[p][g] = Isa::mmla(a01[p][g], a, w01);
      a23[p][g] = Isa::mmla(a23[p][g], a, w23);
    }
  }
  // Calls f(m, g, the dots of row m in lanes) for every row and granule.
  template <class F>
  void each(F f) const {
    for (int p = 0; p < MP; ++p) {
      for (int g = 0; g < NG; ++g) {
        f(2 * p, g, Isa::zip_lo64(a01[p][g], a23[p][g]));
        if (2 * p + 1 < MT) f(2 * p + 1, g, Isa::zip_hi64(a01[p][g], a23[p][g]));
      }
    }
  }
};

// ---- legacy 32-element blocks ----

// The integer dots of one 32-element block of a 4/5-bit legacy format for a tile of MT
// activation rows and NG granules: s[m][g] += q_u8 . x (integer sums: any order is exact). The
// quad vectors are at w[g] + qs_off, a 5-bit type's high-bit vector at w[g] + h_off. A
// single-row tile (decode) has few independent chains: it gives the high nibbles their own.
// Without VNNI (Isa::kPairSums16) the 16-bit pair sums are added first and widened once.
template <class Isa, bool kFive>
struct LegacyDots {
  using VI = typename Isa::VI;
  static constexpr int R = Isa::R;

  template <int MT, int NG>
  static void add(const uint8_t* const* w, int qs_off, int h_off, const int8_t* const* xq,
                  VI (*s)[NG]) {
    if constexpr (Isa::kMmla && MT > 1) {
      add_pairs<MT, NG>(w, qs_off, h_off, xq, s);
      return;
    }
    using N = Nibbles<Isa>;
    constexpr bool kSplit = MT == 1;
    VI s1[MT][NG];
    for (int m = 0; m < MT; ++m) {
      for (int g = 0; g < NG; ++g) s1[m][g] = Isa::zero();
    }
    VI h[NG];
    if constexpr (kFive) {
      for (int g = 0; g < NG; ++g) h[g] = Isa::load(w[g] + h_off);
    }
    for (int t = 0; t < 4; ++t) {  // elements 4t..4t+3 (low nibbles) and 16 + 4t.. (high)
      VI lo[NG], hi[NG];
      for (int g = 0; g < NG; ++g) {
        const VI v = Isa::load(w[g] + qs_off + t * 4 * R);
        lo[g] = N::lo(v);
        hi[g] = N::hi(v);
        if constexpr (kFive) {
          lo[g] = Isa::or_(lo[g], N::bit_to_4(h[g], t));
          hi[g] = Isa::or_(hi[g], N::bit_to_4(h[g], t + 4));
        }
      }
      for (int m = 0; m < MT; ++m) {
        const VI xl = Isa::bcast4(xq[m] + 4 * t), xh = Isa::bcast4(xq[m] + 16 + 4 * t);
        for (int g = 0; g < NG; ++g) {
          if constexpr (Isa::kPairSums16) {
            // 16-bit pair sums: |q . x| per pair <= 2 * 15 * 127 (4-bit) or 2 * 31 * 127
            // (5-bit), so 8 or 4 of them stay below 2^15; s1 holds them until widened.
            s1[m][g] = Isa::dot16_u8s8(Isa::dot16_u8s8(s1[m][g], lo[g], xl), hi[g], xh);
            if (t == 3 || (kFive && t == 1)) {
              s[m][g] = Isa::widen16(s[m][g], s1[m][g]);
              s1[m][g] = Isa::zero();
            }
          } else {
            s[m][g] = Isa::dot_u8s8(s[m][g], lo[g], xl);
            VI& s_hi = kSplit ? s1[m][g] : s[m][g];
            s_hi = Isa::dot_u8s8(s_hi, hi[g], xh);
          }
        }
      }
    }
    if constexpr (kSplit && !Isa::kPairSums16) {
      for (int g = 0; g < NG; ++g) s[0][g] = Isa::add32(s[0][g], s1[0][g]);
    }
  }

  // The same sums by pair products: quad vectors t, t + 1 (low nibbles: elements 4t..4t+7,
  // high: 16 + 4t..) at once.
  template <int MT, int NG>
  static void add_pairs(const uint8_t* const* w, int qs_off, int h_off, const int8_t* const* xq,
                        VI (*s)[NG]) {
    using N = Nibbles<Isa>;
    PairDots<Isa, MT, NG> d;
    for (int t = 0; t < 4; t += 2) {
      for (int g = 0; g < NG; ++g) {
        VI lo[2], hi[2];
        for (int i = 0; i < 2; ++i) {
          const VI v = Isa::load(w[g] + qs_off + (t + i) * 4 * R);
          lo[i] = N::lo(v);
          hi[i] = N::hi(v);
          if constexpr (kFive) {
            const VI h = Isa::load(w[g] + h_off);
            lo[i] = Isa::or_(lo[i], N::bit_to_4(h, t + i));
            hi[i] = Isa::or_(hi[i], N::bit_to_4(h, t + i + 4));
          }
        }
        d.add(g, lo[0], lo[1], xq, 4 * t);
        d.add(g, hi[0], hi[1], xq, 16 + 4 * t);
      }
    }
    d.each([&](int m, int g, VI v) { s[m][g] = Isa::add32(s[m][g], v); });
  }
};

// A tile's Q8_0S activation blocks (block b of MT rows) and their integer sums for NG granules,
// each started at its block's offset (-offset * sum(x), see BlockQ8_0S).
template <class Isa, int MT, int NG>
struct Q8sTile {
  using VI = typename Isa::VI;
  using VF = typename Isa::VF;
  const BlockQ8_0S* x[MT];
  VI s[MT][NG];

  // The bias Q8_0-style weight bytes are stored with: 128 where the ISA multiplies them
  // unsigned (AVX-512 VNNI), else 0.
  static constexpr int kWeightOffset = Isa::kBiasedQ8 ? 128 : 0;

  Q8sTile(const uint8_t* const* xs, int64_t b) {
    for (int m = 0; m < MT; ++m) {
      x[m] = reinterpret_cast<const BlockQ8_0S*>(xs[m]) + b;
      for (int g = 0; g < NG; ++g) s[m][g] = Isa::set1_i32(x[m]->off);
    }
  }
  // s[m][g] += w . xb over bytes stored with kWeightOffset.
  void dot(int m, int g, VI w, VI xb) {
    if constexpr (Isa::kBiasedQ8) {
      s[m][g] = Isa::dot_u8s8(s[m][g], w, xb);
    } else {
      s[m][g] = Isa::dot_s8s8(s[m][g], w, xb);
    }
  }
  // acc += isum * (d_w * d_x), the reference's order for Q8_0 and MXFP4 (d_w: a granule's R
  // per-row scales).
  void add_scaled(const VF* dw, VF (*acc)[NG]) const {
    for (int m = 0; m < MT; ++m) {
      const VF dx = Isa::set1f(x[m]->d);
      for (int g = 0; g < NG; ++g) {
        acc[m][g] = Isa::add(acc[m][g], Isa::mul(Isa::cvt(s[m][g]), Isa::mul(dw[g], dx)));
      }
    }
  }
};

// Q4_0 / Q5_0 against Q8_0S: isum = off + q_u8 . x with off = -offset * sum(x); then the
// reference's (isum * d_w) * d_x (Q4_0) or isum * (d_w * d_x) (Q5_0).
template <class Isa, bool kFive>
struct FmtQ4Q5_0 {
  using VI = typename Isa::VI;
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int64_t kBlock = 32;
  static constexpr size_t kBytes = kFive ? Packed<R>::kQ5_0 : Packed<R>::kQ4_0;
  static constexpr bool kWide = true;
  static constexpr int kOffset = kFive ? 16 : 8;

  template <int MT, int NG>
  static void block(const uint8_t* const* w, const uint8_t* const* xs, int64_t b, VF (*acc)[NG]) {
    Q8sTile<Isa, MT, NG> tile(xs, b);
    const int8_t* xq[MT];
    for (int m = 0; m < MT; ++m) xq[m] = tile.x[m]->qs;
    LegacyDots<Isa, kFive>::template add<MT, NG>(w, 2 * R, 18 * R, xq, tile.s);
    VF dw[NG];
    for (int g = 0; g < NG; ++g) dw[g] = Isa::load_f16(w[g]);
    for (int m = 0; m < MT; ++m) {
      const VF dx = Isa::set1f(tile.x[m]->d);
      for (int g = 0; g < NG; ++g) {
        const VF isum = Isa::cvt(tile.s[m][g]);
        const VF v =
            kFive ? Isa::mul(Isa::mul(dw[g], dx), isum) : Isa::mul(Isa::mul(isum, dw[g]), dx);
        acc[m][g] = Isa::add(acc[m][g], v);
      }
    }
  }
};

// Q4_1 / Q5_1 against Q8_1S: (d_w * d_x) * isum + m_w * s_x.
template <class Isa, bool kFive>
struct FmtQ4Q5_1 {
  using VI = typename Isa::VI;
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int64_t kBlock = 32;
  static constexpr size_t kBytes = kFive ? Packed<R>::kQ5_1 : Packed<R>::kQ4_1;
  static constexpr bool kWide = true;

  template <int MT, int NG>
  static void block(const uint8_t* const* w, const uint8_t* const* xs, int64_t b, VF (*acc)[NG]) {
    const BlockQ8_1S* x[MT];
    const int8_t* xq[MT];
    VI s[MT][NG];
    for (int m = 0; m < MT; ++m) {
      x[m] = reinterpret_cast<const BlockQ8_1S*>(xs[m]) + b;
      xq[m] = x[m]->qs;
      for (int g = 0; g < NG; ++g) s[m][g] = Isa::zero();
    }
    LegacyDots<Isa, kFive>::template add<MT, NG>(w, 4 * R, 20 * R, xq, s);
    VF dw[NG], mw[NG];
    for (int g = 0; g < NG; ++g) {
      dw[g] = Isa::load_f16(w[g]);
      mw[g] = Isa::load_f16(w[g] + 2 * R);
    }
    for (int m = 0; m < MT; ++m) {
      const VF dx = Isa::set1f(x[m]->d), sx = Isa::set1f(x[m]->s);
      for (int g = 0; g < NG; ++g) {
        const VF scaled = Isa::mul(Isa::mul(dw[g], dx), Isa::cvt(s[m][g]));
        acc[m][g] = Isa::add(acc[m][g], Isa::add(scaled, Isa::mul(mw[g], sx)));
      }
    }
  }
};

// Q8_0 against Q8_0S: isum = off + q . x (off removes the 0x80 bias of unsigned-stored
// weights, or is 0); then isum * (d_w * d_x).
template <class Isa>
struct FmtQ8_0 {
  using VI = typename Isa::VI;
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int64_t kBlock = 32;
  static constexpr size_t kBytes = Packed<R>::kQ8_0;
  static constexpr bool kWide = true;
  static constexpr int kOffset = Q8sTile<Isa, 1, 1>::kWeightOffset;

  template <int MT, int NG>
  static void block(const uint8_t* const* w, const uint8_t* const* xs, int64_t b, VF (*acc)[NG]) {
    Q8sTile<Isa, MT, NG> tile(xs, b);
    const BlockQ8_0S* const* x = tile.x;
    VI(&s)[MT][NG] = tile.s;
    if constexpr (Isa::kMmla && MT > 1) {
      const int8_t* xq[MT];
      for (int m = 0; m < MT; ++m) xq[m] = x[m]->qs;
      PairDots<Isa, MT, NG> d;
      for (int t = 0; t < 8; t += 2) {
        for (int g = 0; g < NG; ++g) {
          d.add(g, Isa::load(w[g] + 2 * R + t * 4 * R), Isa::load(w[g] + 2 * R + (t + 1) * 4 * R),
                xq, 4 * t);
        }
      }
      d.each([&](int m, int g, VI v) { s[m][g] = Isa::add32(s[m][g], v); });
    } else {
      for (int t = 0; t < 8; ++t) {
        VI q[NG];
        for (int g = 0; g < NG; ++g) q[g] = Isa::load(w[g] + 2 * R + t * 4 * R);
        for (int m = 0; m < MT; ++m) {
          const VI xb = Isa::bcast4(x[m]->qs + 4 * t);
          for (int g = 0; g < NG; ++g) tile.dot(m, g, q[g], xb);
        }
      }
    }
    VF dw[NG];
    for (int g = 0; g < NG; ++g) dw[g] = Isa::load_f16(w[g]);
    tile.add_scaled(dw, acc);
  }
};

// MXFP4 (gpt-oss) against Q8_0S: each nibble through the E2M1 code table (kMxfp4Values, + 128
// where the ISA multiplies Q8_0 weights unsigned) into the bytes FmtQ8_0's dots take, then the
// reference's (d_x * half scale) * isum, the half scale packed as bf16 (exact: a power of two).
template <class Isa>
struct FmtMxfp4 {
  using VI = typename Isa::VI;
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int64_t kBlock = 32;
  static constexpr size_t kBytes = Packed<R>::kMxfp4;
  static constexpr bool kWide = true;
  static constexpr int kOffset = Q8sTile<Isa, 1, 1>::kWeightOffset;

  template <int MT, int NG>
  static void block(const uint8_t* const* w, const uint8_t* const* xs, int64_t b, VF (*acc)[NG]) {
    using N = Nibbles<Isa>;
    alignas(16) static constexpr uint8_t kTable[16] = {
        code(0), code(1), code(2),  code(3),  code(4),  code(5),  code(6),  code(7),
        code(8), code(9), code(10), code(11), code(12), code(13), code(14), code(15)};
    const VI table = Isa::table16(kTable);
    Q8sTile<Isa, MT, NG> tile(xs, b);
    const BlockQ8_0S* const* x = tile.x;
    for (int t = 0; t < 4; ++t) {  // elements 4t..4t+3 (low nibbles) and 16 + 4t.. (high)
      VI lo[NG], hi[NG];
      for (int g = 0; g < NG; ++g) {
        const VI v = Isa::load(w[g] + 2 * R + t * 4 * R);
        lo[g] = Isa::lut16(table, N::lo(v));
        hi[g] = Isa::lut16(table, N::hi(v));
      }
      for (int m = 0; m < MT; ++m) {
        const VI xl = Isa::bcast4(x[m]->qs + 4 * t), xh = Isa::bcast4(x[m]->qs + 16 + 4 * t);
        for (int g = 0; g < NG; ++g) {
          tile.dot(m, g, lo[g], xl);
          tile.dot(m, g, hi[g], xh);
        }
      }
    }
    VF dw[NG];
    for (int g = 0; g < NG; ++g) dw[g] = Isa::load_bf16(w[g]);
    tile.add_scaled(dw, acc);  // d_w * d_x is the reference's d_x * half scale (commutative)
  }

  static constexpr uint8_t code(int i) {
    return static_cast<uint8_t>(static_cast<int>(kMxfp4Values[i]) + kOffset);
  }
};

// ---- K-quants (256-element super-blocks) against Q8_K ----

// Q4_K / Q5_K against Q8_KS: isum = sum_j scale_j * (q . x over sub-block j), msum =
// sum_j min_j * bsum_j (as 64 * (min . hi) + min . lo, see BlockQ8_KS); then
// (d_w * d_x) * isum - (dmin_w * d_x) * msum.
template <class Isa, bool kFive>
struct FmtQ45_K {
  using VI = typename Isa::VI;
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int64_t kBlock = 256;
  static constexpr size_t kBytes = kFive ? Packed<R>::kQ5_K : Packed<R>::kQ4_K;
  static constexpr bool kWide = false;

  template <int MT>
  static void block(const uint8_t* w, const uint8_t* const* xs, int64_t b, VF* acc) {
    const uint8_t* scales = w + 4 * R;
    const uint8_t* mins = w + 12 * R;
    const BlockQ8_KS* xk[MT];
    const BlockQ8_K* x[MT];
    VI isum[MT];
    for (int m = 0; m < MT; ++m) {
      xk[m] = reinterpret_cast<const BlockQ8_KS*>(xs[m]) + b;
      x[m] = &xk[m]->q;
      isum[m] = Isa::zero();
    }
    for (int c = 0; c < 4; ++c) {  // 64 elements: sub-blocks 2c (low nibbles) and 2c + 1
      VI slo[MT], shi[MT];
      if constexpr (Isa::kMmla && MT > 1) {
        sub_block_pairs<MT>(w, c, x, slo, shi);
      } else {
        sub_block_dots<MT>(w, c, x, slo, shi);
      }
      const VI s0 = Isa::load_u8x(scales + 2 * c * R), s1 = Isa::load_u8x(scales + (2 * c + 1) * R);
      for (int m = 0; m < MT; ++m) {
        isum[m] = Isa::add32(isum[m], Isa::add32(Isa::mul32(slo[m], s0), Isa::mul32(shi[m], s1)));
      }
    }
    const VF dw = Isa::load_f16(w), dminw = Isa::load_f16(w + 2 * R);
    const VI min0 = Isa::load(mins), min1 = Isa::load(mins + 4 * R);
    for (int m = 0; m < MT; ++m) {
      const int8_t* hi = xk[m]->sum_hi;
      const int8_t* lo = xk[m]->sum_lo;
      VI msum = Isa::dot_u8s8(Isa::dot_u8s8(Isa::zero(), min0, Isa::bcast4(hi)), min1,
                              Isa::bcast4(hi + 4));
      msum = Isa::shl32(msum, 6);
      msum = Isa::dot_u8s8(Isa::dot_u8s8(msum, min0, Isa::bcast4(lo)), min1, Isa::bcast4(lo + 4));
      const VF dx = Isa::set1f(x[m]->d);
      const VF scaled = Isa::mul(Isa::mul(dw, dx), Isa::cvt(isum[m]));
      const VF min_term = Isa::mul(Isa::mul(dminw, dx), Isa::cvt(msum));
      acc[m] = Isa::add(acc[m], Isa::sub(scaled, min_term));
    }
  }

  // slo[m], shi[m] = the dots of sub-blocks 2c (low nibbles) and 2c + 1 (high) for row m.
  template <int MT>
  static void sub_block_dots(const uint8_t* w, int c, const BlockQ8_K* const* x, VI* slo, VI* shi) {
    using N = Nibbles<Isa>;
    const uint8_t* qs = w + 20 * R;
    VI plo[MT], phi[MT];
    for (int m = 0; m < MT; ++m) slo[m] = shi[m] = plo[m] = phi[m] = Isa::zero();
    for (int t = 0; t < 8; ++t) {
      const VI v = Isa::load(qs + (8 * c + t) * 4 * R);
      VI lo = N::lo(v), hi = N::hi(v);
      if constexpr (kFive) {
        const VI h = Isa::load(w + 148 * R + t * 4 * R);
        lo = Isa::or_(lo, N::bit_to_4(h, 2 * c));
        hi = Isa::or_(hi, N::bit_to_4(h, 2 * c + 1));
      }
      for (int m = 0; m < MT; ++m) {
        const int8_t* q8 = x[m]->qs + 64 * c + 4 * t;
        if constexpr (Isa::kPairSums16) {
          // 16-bit pair sums as in LegacyDots: <= 2 * 15 * 128 (4-bit) or 2 * 31 * 128
          // (5-bit) each, so 8 or 4 steps of them stay below 2^15 before widening.
          plo[m] = Isa::dot16_u8s8(plo[m], lo, Isa::bcast4(q8));
          phi[m] = Isa::dot16_u8s8(phi[m], hi, Isa::bcast4(q8 + 32));
          if (t == 7 || (kFive && t == 3)) {
            slo[m] = Isa::widen16(slo[m], plo[m]);
            shi[m] = Isa::widen16(shi[m], phi[m]);
            plo[m] = phi[m] = Isa::zero();
          }
        } else {
          slo[m] = Isa::dot_u8s8(slo[m], lo, Isa::bcast4(q8));
          shi[m] = Isa::dot_u8s8(shi[m], hi, Isa::bcast4(q8 + 32));
        }
      }
    }
  }

  // The same by pair products (Isa::kMmla): quad vectors t, t + 1 at once.
  template <int MT>
  static void sub_block_pairs(const uint8_t* w, int c, const BlockQ8_K* const* x, VI* slo,
                              VI* shi) {
    using N = Nibbles<Isa>;
    const uint8_t* qs = w + 20 * R;
    const int8_t* xq[MT];
    for (int m = 0; m < MT; ++m) xq[m] = x[m]->qs + 64 * c;
    PairDots<Isa, MT, 1> dlo, dhi;
    for (int t = 0; t < 8; t += 2) {
      VI lo[2], hi[2];
      for (int i = 0; i < 2; ++i) {
        const VI v = Isa::load(qs + (8 * c + t + i) * 4 * R);
        lo[i] = N::lo(v);
        hi[i] = N::hi(v);
        if constexpr (kFive) {
          const VI h = Isa::load(w + 148 * R + (t + i) * 4 * R);
          lo[i] = Isa::or_(lo[i], N::bit_to_4(h, 2 * c));
          hi[i] = Isa::or_(hi[i], N::bit_to_4(h, 2 * c + 1));
        }
      }
      dlo.add(0, lo[0], lo[1], xq, 4 * t);
      dhi.add(0, hi[0], hi[1], xq, 32 + 4 * t);
    }
    dlo.each([&](int m, int, VI v) { slo[m] = v; });
    dhi.each([&](int m, int, VI v) { shi[m] = v; });
  }
};

// Q6_K: isum = sum over 16 sub-blocks of scale_s * (q_u6 . x - 32 * bsum_s); (d_w * d_x) * isum.
template <class Isa>
struct FmtQ6_K {
  using VI = typename Isa::VI;
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int64_t kBlock = 256;
  static constexpr size_t kBytes = Packed<R>::kQ6_K;
  static constexpr bool kWide = false;

  template <int MT>
  static void block(const uint8_t* w, const uint8_t* const* xs, int64_t b, VF* acc) {
    const uint8_t* scales = w + 2 * R;
    const uint8_t* ql = w + 18 * R;
    const uint8_t* qh = w + 146 * R;
    const BlockQ8_K* x[MT];
    VI isum[MT];
    for (int m = 0; m < MT; ++m) {
      x[m] = reinterpret_cast<const BlockQ8_K*>(xs[m]) + b;
      isum[m] = Isa::zero();
    }
    for (int h = 0; h < 2; ++h) {
      for (int u = 0; u < 4; ++u) {  // elements 128h + 32u + (0..31): sub-blocks s, s + 1
        const int s = 8 * h + 2 * u;
        VI s0[MT], s1[MT];
        if constexpr (Isa::kMmla && MT > 1) {
          quant_pairs<MT>(ql, qh, h, u, x, s0, s1);
        } else {
          quant_dots<MT>(ql, qh, h, u, x, s0, s1);
        }
        const VI sc0 = Isa::load_s8x(scales + s * R), sc1 = Isa::load_s8x(scales + (s + 1) * R);
        for (int m = 0; m < MT; ++m) {
          const VI d0 = Isa::sub32(s0[m], Isa::set1_i32(32 * x[m]->bsums[s]));
          const VI d1 = Isa::sub32(s1[m], Isa::set1_i32(32 * x[m]->bsums[s + 1]));
          isum[m] = Isa::add32(isum[m], Isa::add32(Isa::mul32(d0, sc0), Isa::mul32(d1, sc1)));
        }
      }
    }
    const VF dw = Isa::load_f16(w);
    for (int m = 0; m < MT; ++m) {
      // The reference subtracts a zero minimum term; adding its signed zero changes nothing
      // because the running sum starts at +0 and so is never -0.
      const VF scaled = Isa::mul(Isa::mul(dw, Isa::set1f(x[m]->d)), Isa::cvt(isum[m]));
      acc[m] = Isa::add(acc[m], scaled);
    }
  }

  // The 6-bit quant of quad vector t of elements 128h + 32u + ..: low nibble or high nibble of
  // ql, and its two high bits from qh.
  static VI quant(const uint8_t* ql, const uint8_t* qh, int h, int u, int t) {
    using N = Nibbles<Isa>;
    const VI l = Isa::load(ql + (8 * (2 * h + u % 2) + t) * 4 * R);
    const VI hb = Isa::load(qh + (8 * h + t) * 4 * R);
    const VI high = Isa::and_(u <= 2 ? Isa::shl16(hb, 4 - 2 * u) : Isa::shr16(hb, 2 * u - 4),
                              Isa::set1_i8(0x30));
    return Isa::or_(u < 2 ? N::lo(l) : N::hi(l), high);
  }

  // s0[m], s1[m] = the dots of sub-blocks 8h + 2u and 8h + 2u + 1 for row m.
  template <int MT>
  static void quant_dots(const uint8_t* ql, const uint8_t* qh, int h, int u,
                         const BlockQ8_K* const* x, VI* s0, VI* s1) {
    for (int m = 0; m < MT; ++m) s0[m] = s1[m] = Isa::zero();
    for (int t = 0; t < 8; ++t) {
      const VI q = quant(ql, qh, h, u, t);
      for (int m = 0; m < MT; ++m) {
        const VI xq = Isa::bcast4(x[m]->qs + 128 * h + 32 * u + 4 * t);
        if (t < 4) {
          s0[m] = Isa::dot_u8s8(s0[m], q, xq);
        } else {
          s1[m] = Isa::dot_u8s8(s1[m], q, xq);
        }
      }
    }
  }

  // The same by pair products (Isa::kMmla).
  template <int MT>
  static void quant_pairs(const uint8_t* ql, const uint8_t* qh, int h, int u,
                          const BlockQ8_K* const* x, VI* s0, VI* s1) {
    const int8_t* xq[MT];
    for (int m = 0; m < MT; ++m) xq[m] = x[m]->qs + 128 * h + 32 * u;
    PairDots<Isa, MT, 1> d0, d1;
    for (int t = 0; t < 8; t += 2) {
      (t < 4 ? d0 : d1).add(0, quant(ql, qh, h, u, t), quant(ql, qh, h, u, t + 1), xq, 4 * t);
    }
    d0.each([&](int m, int, VI v) { s0[m] = v; });
    d1.each([&](int m, int, VI v) { s1[m] = v; });
  }
};

// ---- float weights: one element per "block", products accumulated in index order ----

// F16 and BF16: products of two 11- or 8-bit-mantissa values are exact in f32, so FMA rounds
// exactly once, as the reference's add does. F32: product and sum rounded separately.
enum class FloatKind { kF32, kF16, kBF16 };

template <class Isa, FloatKind kKind>
struct FmtFloat {
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int64_t kBlock = 1;
  static constexpr size_t kBytes = kKind == FloatKind::kF32 ? 4 * R : 2 * R;
  static constexpr bool kWide = false;

  template <int MT>
  static void block(const uint8_t* w, const uint8_t* const* xs, int64_t b, VF* acc) {
    VF wv;
    if constexpr (kKind == FloatKind::kF32) {
      wv = Isa::loadf(reinterpret_cast<const float*>(w));
    } else if constexpr (kKind == FloatKind::kF16) {
      wv = Isa::load_f16(w);
    } else {
      wv = Isa::load_bf16(w);
    }
    for (int m = 0; m < MT; ++m) {
      const VF x = Isa::set1f(reinterpret_cast<const float*>(xs[m])[b]);
      if constexpr (kKind == FloatKind::kF32) {
        acc[m] = Isa::add(acc[m], Isa::mul(wv, x));
      } else {
        acc[m] = Isa::fmadd(wv, x, acc[m]);
      }
    }
  }
};

// The table entries of one ISA: every format above, named for its weight and activation types.
template <class Isa>
struct InterleavedKernels {
  static constexpr int R = Isa::R;

  template <class Fmt>
  static MatmulKernel entry(GgmlType type, const char* name, int32_t act_block, int32_t act_bytes,
                            QuantizeActFn quantize, PackFn pack) {
    using K = InterleavedMatmul<Isa, Fmt>;
    return MatmulKernel{.weight_type = type,
                        .act_block_size = act_block,
                        .act_block_bytes = act_bytes,
                        .quantize_act = quantize,
                        .matmul = K::run,
                        .name = name,
                        .n_granule = R,
                        .m_tile = 4 * Isa::kMT,
                        .pack = pack,
                        .granule_bytes = K::granule_bytes};
  }

  // Fills out[0..n) and returns n (at most kCount); Row is the ISA's RowOps (quantizers).
  static constexpr int kCount = 12;
  template <class Row>
  static int fill(MatmulKernel* out) {
    constexpr int32_t kQ8s = sizeof(BlockQ8_0S), kQ81 = sizeof(BlockQ8_1S);
    constexpr int32_t kQ8K = sizeof(BlockQ8_K), kQ8KS = sizeof(BlockQ8_KS);
    using Q4_0 = FmtQ4Q5_0<Isa, false>;
    using Q5_0 = FmtQ4Q5_0<Isa, true>;
    using Q8_0 = FmtQ8_0<Isa>;
    int n = 0;
    out[n++] = entry<Q4_0>(GgmlType::Q4_0, "matmul_q4_0_q8_0s", 32, kQ8s,
                           Row::template quantize_q8_0s<Q4_0::kOffset>, pack_q4_0<R>);
    out[n++] = entry<Q5_0>(GgmlType::Q5_0, "matmul_q5_0_q8_0s", 32, kQ8s,
                           Row::template quantize_q8_0s<Q5_0::kOffset>, pack_q5_0<R>);
    out[n++] = entry<FmtQ4Q5_1<Isa, false>>(GgmlType::Q4_1, "matmul_q4_1_q8_1s", 32, kQ81,
                                            Row::quantize_q8_1s, pack_q4_1<R>);
    out[n++] = entry<FmtQ4Q5_1<Isa, true>>(GgmlType::Q5_1, "matmul_q5_1_q8_1s", 32, kQ81,
                                           Row::quantize_q8_1s, pack_q5_1<R>);
    out[n++] =
        entry<Q8_0>(GgmlType::Q8_0, "matmul_q8_0_q8_0s", 32, kQ8s,
                    Row::template quantize_q8_0s<Q8_0::kOffset>, pack_q8_0<R, Isa::kBiasedQ8>);
    using Mxfp4 = FmtMxfp4<Isa>;
    out[n++] = entry<Mxfp4>(GgmlType::MXFP4, "matmul_mxfp4_q8_0s", 32, kQ8s,
                            Row::template quantize_q8_0s<Mxfp4::kOffset>, pack_mxfp4<R>);
    out[n++] = entry<FmtQ45_K<Isa, false>>(GgmlType::Q4_K, "matmul_q4_k_q8_ks", 256, kQ8KS,
                                           Row::quantize_q8_ks, pack_q4_k<R>);
    out[n++] = entry<FmtQ45_K<Isa, true>>(GgmlType::Q5_K, "matmul_q5_k_q8_ks", 256, kQ8KS,
                                          Row::quantize_q8_ks, pack_q5_k<R>);
    out[n++] = entry<FmtQ6_K<Isa>>(GgmlType::Q6_K, "matmul_q6_k_q8_k", 256, kQ8K,
                                   Row::quantize_q8_k, pack_q6_k<R>);
    out[n++] = entry<FmtFloat<Isa, FloatKind::kF32>>(GgmlType::F32, "matmul_f32_f32", 1, 4,
                                                     convert_row_f32, pack_float<R, float>);
    out[n++] = entry<FmtFloat<Isa, FloatKind::kF16>>(
        GgmlType::F16, "matmul_f16_f16", 1, 4, convert_act_f16_as_f32, pack_float<R, uint16_t>);
    out[n++] = entry<FmtFloat<Isa, FloatKind::kBF16>>(
        GgmlType::BF16, "matmul_bf16_bf16", 1, 4, convert_act_bf16_as_f32, pack_float<R, uint16_t>);
    return n;
  }
};

}  // namespace minke::simd
