// The AArch64 Advanced SIMD (NEON) ISA description the simd_common kernels are written against
// (see simd_common/interleaved_matmul.h): 4 lanes of 32 bits. Baseline ARMv8-A only (every
// AArch64 CPU has NEON and the f16 <-> f32 conversions); matmul_neon_dotprod.cpp adds SDOT.
// Deliberately in an anonymous namespace, as the x86 ones: every ISA file that includes it gets
// its own type, so template instantiations compiled with different flags never share a symbol.
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "kernels/ref/ops.h"  // exp_f32's constants

namespace minke {
namespace {  // NOLINT(google-build-namespaces): one type per including ISA file, on purpose

struct Neon {
  static constexpr int R = 4;
  static constexpr int kMT = 4;         // 32 vector registers: 4 activation rows x 2 granules fit
  static constexpr bool kMmla = false;  // pair products (PairDots): AArch64 i8mm only
  static constexpr bool kBiasedQ8 = false;  // SDOT and SMULL multiply signed bytes directly
  using VI = int32x4_t;
  using VF = float32x4_t;

  static int8x16_t s8(VI v) { return vreinterpretq_s8_s32(v); }
  static uint16x8_t u16(VI v) { return vreinterpretq_u16_s32(v); }
  static VI i32(uint16x8_t v) { return vreinterpretq_s32_u16(v); }

  static VI zero() { return vdupq_n_s32(0); }
  static VI load(const uint8_t* p) { return vreinterpretq_s32_u8(vld1q_u8(p)); }
  static VI set1_i8(int v) { return vreinterpretq_s32_s8(vdupq_n_s8(static_cast<int8_t>(v))); }
  static VI set1_i32(int v) { return vdupq_n_s32(v); }
  static VI bcast4(const int8_t* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return vdupq_n_s32(v);
  }
  static VI and_(VI a, VI b) { return vandq_s32(a, b); }
  // A 16-byte table, and each byte idx (0..15) replaced by table[idx] (TBL).
  static VI table16(const uint8_t* t) { return vreinterpretq_s32_u8(vld1q_u8(t)); }
  static VI lut16(VI table, VI idx) {
    return vreinterpretq_s32_u8(vqtbl1q_u8(vreinterpretq_u8_s32(table), vreinterpretq_u8_s32(idx)));
  }
  static VI or_(VI a, VI b) { return vorrq_s32(a, b); }
  static VI shl16(VI a, int n) {
    return i32(vshlq_u16(u16(a), vdupq_n_s16(static_cast<int16_t>(n))));
  }
  static VI shr16(VI a, int n) {
    return i32(vshlq_u16(u16(a), vdupq_n_s16(static_cast<int16_t>(-n))));
  }
  static VI shl32(VI a, int n) { return vshlq_s32(a, vdupq_n_s32(n)); }

  // Without SDOT a 4-byte dot is SMULL + SMULL2 (16-bit products), ADDP (pair sums, the same
  // pairs as x86's VPMADDUBSW) and SADALP into the 32-bit lanes. Products u * s with u <= 63 and
  // |s| <= 128, or |w| <= 128 and |x| <= 127, so a pair sum fits int16 (see LegacyDots).
  static constexpr bool kPairSums16 = true;
  static VI pair_sums(VI u, VI s) {
    const int16x8_t lo = vmull_s8(vget_low_s8(s8(u)), vget_low_s8(s8(s)));
    const int16x8_t hi = vmull_high_s8(s8(u), s8(s));
    return vreinterpretq_s32_s16(vpaddq_s16(lo, hi));
  }
  static VI dot16_u8s8(VI acc16, VI u, VI s) {
    return vreinterpretq_s32_s16(
        vaddq_s16(vreinterpretq_s16_s32(acc16), vreinterpretq_s16_s32(pair_sums(u, s))));
  }
  static VI widen16(VI acc, VI acc16) { return vpadalq_s16(acc, vreinterpretq_s16_s32(acc16)); }
  static VI dot_u8s8(VI acc, VI u, VI s) { return widen16(acc, pair_sums(u, s)); }
  static VI dot_s8s8(VI acc, VI w, VI x) { return dot_u8s8(acc, w, x); }

  static VI add32(VI a, VI b) { return vaddq_s32(a, b); }
  static VI sub32(VI a, VI b) { return vsubq_s32(a, b); }
  static VI mul32(VI a, VI b) { return vmulq_s32(a, b); }
  static uint8x8_t load4(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return vreinterpret_u8_u32(vdup_n_u32(v));
  }
  static VI load_u8x(const uint8_t* p) {
    return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(load4(p)))));
  }
  static VI load_s8x(const uint8_t* p) {
    return vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_u8(load4(p)))));
  }
  static VF cvt(VI a) { return vcvtq_f32_s32(a); }
  static VF zerof() { return vdupq_n_f32(0.0f); }
  static VF set1f(float v) { return vdupq_n_f32(v); }
  static VF mul(VF a, VF b) { return vmulq_f32(a, b); }
  static VF add(VF a, VF b) { return vaddq_f32(a, b); }
  static VF sub(VF a, VF b) { return vsubq_f32(a, b); }
  static VF load_f16p(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
  static VF load_f16(const uint8_t* p) { return load_f16p(reinterpret_cast<const uint16_t*>(p)); }
  static void store(float* y, VF v, int n) {
    if (n == R) {
      vst1q_f32(y, v);
      return;
    }
    float tmp[R];
    vst1q_f32(tmp, v);
    for (int i = 0; i < n; ++i) y[i] = tmp[i];
  }

  // Row ops (simd_common/row_ops.h).
  static VF loadf(const float* p) { return vld1q_f32(p); }
  static void storef(float* p, VF v) { vst1q_f32(p, v); }
  static VF absf(VF v) { return vabsq_f32(v); }
  static VF maxf(VF a, VF b) { return vmaxnmq_f32(a, b); }  // a NaN operand loses, as in fmax
  static float hmax(VF v) { return vmaxnmvq_f32(v); }
  // mla_fold_lanes of 16 lanes held in four vectors (lanes 0-3, 4-7, 8-11, 12-15): (l += l + 8),
  // (l += l + 4), (l += l + 2), (l += l + 1).
  static float fold16(const VF* v) {
    const VF a = vaddq_f32(vaddq_f32(v[0], v[2]), vaddq_f32(v[1], v[3]));
    return (vgetq_lane_f32(a, 0) + vgetq_lane_f32(a, 2)) +
           (vgetq_lane_f32(a, 1) + vgetq_lane_f32(a, 3));
  }
  static VI cvt_rne(VF v) { return vcvtnq_s32_f32(v); }  // nearest, ties to even
  static void store_i8(int8_t* p, VI v) {
    const int16x4_t w = vqmovn_s32(v);
    const int8x8_t b = vqmovn_s16(vcombine_s16(w, w));
    vst1_lane_s32(reinterpret_cast<int32_t*>(p), vreinterpret_s32_s8(b), 0);
  }
  static int hsum32(VI v) { return vaddvq_s32(v); }
  static VI min32(VI a, VI b) { return vminq_s32(a, b); }
  static VI max32(VI a, VI b) { return vmaxq_s32(a, b); }
  static VF fmadd(VF a, VF b, VF c) { return vfmaq_f32(c, a, b); }
  static void store_f16p(uint16_t* p, VF v) {
    vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v)));  // FPCR: nearest, ties to even
  }
  static uint16_t f32_to_f16(float f) {
    return vget_lane_u16(vreinterpret_u16_f16(vcvt_f16_f32(vdupq_n_f32(f))), 0);
  }
  static float f16_to_f32(uint16_t h) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
  }
  static VF load_bf16(const uint8_t* p) {
    const uint16x4_t h = vld1_u16(reinterpret_cast<const uint16_t*>(p));
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
  }
  static VF minf(VF a, VF b) { return vminnmq_f32(a, b); }
  static VF divf(VF a, VF b) { return vdivq_f32(a, b); }
  static VF xorf(VF a, VF b) {
    return vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(b)));
  }
  // exp_f32's double-precision core on 2 lanes.
  static float64x2_t exp_half(float64x2_t x) {
    const float64x2_t n = vrndnq_f64(vmulq_f64(x, vdupq_n_f64(kExpLog2e)));  // ties to even
    float64x2_t r = vsubq_f64(x, vmulq_f64(n, vdupq_n_f64(kExpLn2Hi)));
    r = vsubq_f64(r, vmulq_f64(n, vdupq_n_f64(kExpLn2Lo)));
    float64x2_t p = vdupq_n_f64(kExpPoly[0]);
    for (int i = 1; i < 11; ++i) p = vaddq_f64(vmulq_f64(p, r), vdupq_n_f64(kExpPoly[i]));
    const int64x2_t e = vshlq_n_s64(vaddq_s64(vcvtq_s64_f64(n), vdupq_n_s64(1023)), 52);
    return vmulq_f64(p, vreinterpretq_f64_s64(e));
  }
  static VF exp_poly(VF x) {
    const float32x2_t lo = vcvt_f32_f64(exp_half(vcvt_f64_f32(vget_low_f32(x))));
    return vcvt_high_f32_f64(lo, exp_half(vcvt_high_f64_f32(x)));
  }
  static VI f16_bits(VF v) {
    return vreinterpretq_s32_u32(vmovl_u16(vreinterpret_u16_f16(vcvt_f16_f32(v))));
  }
  // sum_f64_lanes (kernels/ref/ops.cpp): its 16 double lanes are eight vectors of 2, folded
  // in the reference's halves.
  static double sum_f64_lanes(const float* x, int64_t n) {
    static_assert(kSumLanes == 16);
    float64x2_t a[8];
    for (auto& v : a) v = vdupq_n_f64(0.0);
    auto add16 = [&a](const float* p) {
      for (int v = 0; v < 4; ++v) {
        const float32x4_t f = vld1q_f32(p + 4 * v);
        a[2 * v] = vaddq_f64(a[2 * v], vcvt_f64_f32(vget_low_f32(f)));
        a[2 * v + 1] = vaddq_f64(a[2 * v + 1], vcvt_high_f64_f32(f));
      }
    };
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) add16(x + i);
    if (i < n) {  // the missing lanes add +0.0: exact
      float t[16] = {};
      std::memcpy(t, x + i, static_cast<size_t>(n - i) * sizeof(float));
      add16(t);
    }
    for (int v = 0; v < 4; ++v) a[v] = vaddq_f64(a[v], a[v + 4]);
    for (int v = 0; v < 2; ++v) a[v] = vaddq_f64(a[v], a[v + 2]);
    a[0] = vaddq_f64(a[0], a[1]);
    return vgetq_lane_f64(a[0], 0) + vgetq_lane_f64(a[0], 1);
  }
  static VF gather(const float* table, VI idx) {
    int32_t i32[R];
    vst1q_s32(i32, idx);
    const float v[R] = {table[i32[0]], table[i32[1]], table[i32[2]], table[i32[3]]};
    return vld1q_f32(v);
  }
  static VF sel(uint32x4_t mask, VF t, VF f) { return vbslq_f32(mask, t, f); }
  static VF sel_lt(VF x, VF c, VF t, VF f) { return sel(vcltq_f32(x, c), t, f); }
  static VF sel_gt(VF x, VF c, VF t, VF f) { return sel(vcgtq_f32(x, c), t, f); }
  static VF sel_le(VF x, VF c, VF t, VF f) { return sel(vcleq_f32(x, c), t, f); }
  static VF sel_ge(VF x, VF c, VF t, VF f) { return sel(vcgeq_f32(x, c), t, f); }
  static VF sel_nan(VF x, VF t, VF f) { return sel(vceqq_f32(x, x), f, t); }
};

}  // namespace
}  // namespace minke
