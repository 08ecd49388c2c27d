// The AVX-512 (F/BW/VL/DQ + VNNI) ISA description the simd_common kernels are written against
// (see simd_common/interleaved_matmul.h). Deliberately in an anonymous namespace, as avx2_isa.h:
// every ISA file that includes it (matmul_avx512.cpp, x86_amx/) gets its own type, so template
// instantiations compiled with different flags never share a symbol.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/ref/ops.h"  // exp_f32's constants

namespace minke {
namespace {  // NOLINT(google-build-namespaces): one type per including ISA file, on purpose

struct Avx512 {
  static constexpr int R = 16;
  static constexpr int kMT = 4;
  static constexpr bool kMmla = false;  // pair products (PairDots): AArch64 i8mm only
  static constexpr bool kBiasedQ8 = true;
  static constexpr bool kPairSums16 = false;  // VPDPBUSD sums in 32 bits directly
  using VI = __m512i;
  using VF = __m512;

  static VI zero() { return _mm512_setzero_si512(); }
  static VI load(const uint8_t* p) { return _mm512_loadu_si512(p); }
  static VI set1_i8(int v) { return _mm512_set1_epi8(static_cast<char>(v)); }
  static VI set1_i32(int v) { return _mm512_set1_epi32(v); }
  static VI bcast4(const int8_t* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
  }
  static VI and_(VI a, VI b) { return _mm512_and_si512(a, b); }
  // A 16-byte table in every 128-bit lane, and each byte idx (0..15) replaced by table[idx].
  static VI table16(const uint8_t* t) {
    return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t)));
  }
  static VI lut16(VI table, VI idx) { return _mm512_shuffle_epi8(table, idx); }
  static VI or_(VI a, VI b) { return _mm512_or_si512(a, b); }
  static VI shl16(VI a, int n) { return _mm512_sll_epi16(a, _mm_cvtsi32_si128(n)); }
  static VI shl32(VI a, int n) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(n)); }
  static VI shr16(VI a, int n) { return _mm512_srl_epi16(a, _mm_cvtsi32_si128(n)); }
  static VI dot_u8s8(VI acc, VI u, VI s) { return _mm512_dpbusd_epi32(acc, u, s); }
  static VI dot_s8s8(VI acc, VI w, VI x) {
    const __mmask64 neg = _mm512_movepi8_mask(w);
    return _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(w),
                               _mm512_mask_sub_epi8(x, neg, _mm512_setzero_si512(), x));
  }
  static VI add32(VI a, VI b) { return _mm512_add_epi32(a, b); }
  static VI sub32(VI a, VI b) { return _mm512_sub_epi32(a, b); }
  static VI mul32(VI a, VI b) { return _mm512_mullo_epi32(a, b); }
  static VI load_u8x(const uint8_t* p) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static VI load_s8x(const uint8_t* p) {
    return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static VF cvt(VI a) { return _mm512_cvtepi32_ps(a); }
  static VF zerof() { return _mm512_setzero_ps(); }
  static VF set1f(float v) { return _mm512_set1_ps(v); }
  static VF mul(VF a, VF b) { return _mm512_mul_ps(a, b); }
  static VF add(VF a, VF b) { return _mm512_add_ps(a, b); }
  static VF sub(VF a, VF b) { return _mm512_sub_ps(a, b); }
  static VF load_f16(const uint8_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static float f16(uint16_t h) { return _cvtsh_ss(h); }
  static void store(float* y, VF v, int n) {
    if (n == R) {
      _mm512_storeu_ps(y, v);
    } else {
      _mm512_mask_storeu_ps(y, static_cast<__mmask16>((1U << n) - 1), v);
    }
  }

  // Row ops (simd_common/row_ops.h).
  static VF loadf(const float* p) { return _mm512_loadu_ps(p); }
  static void storef(float* p, VF v) { _mm512_storeu_ps(p, v); }
  static VF absf(VF v) { return _mm512_abs_ps(v); }
  static VF maxf(VF a, VF b) { return _mm512_max_ps(a, b); }
  // Folds 8 lanes in halves as mla_fold_lanes does from w = 4 down: (l += l + 4), (l += l + 2),
  // (l += l + 1).
  static float fold8(__m256 v) {
    const __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 b = _mm_add_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_add_ss(b, _mm_shuffle_ps(b, b, 1)));
  }
  // mla_fold_lanes of the 16 lanes of one vector.
  static float fold16(const VF* v) {
    return fold8(_mm256_add_ps(_mm512_castps512_ps256(v[0]), _mm512_extractf32x8_ps(v[0], 1)));
  }
  static float hmax(VF v) { return _mm512_reduce_max_ps(v); }
  static VI cvt_rne(VF v) { return _mm512_cvtps_epi32(v); }  // MXCSR: nearest, ties to even
  static void store_i8(int8_t* p, VI v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v));
  }
  static int hsum32(VI v) { return _mm512_reduce_add_epi32(v); }
  static VI min32(VI a, VI b) { return _mm512_min_epi32(a, b); }
  static VI max32(VI a, VI b) { return _mm512_max_epi32(a, b); }
  static VF fmadd(VF a, VF b, VF c) { return _mm512_fmadd_ps(a, b, c); }
  static VF load_f16p(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static void store_f16p(uint16_t* p, VF v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                        _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static uint16_t f32_to_f16(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }
  static float f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }
  static VF load_bf16(const uint8_t* p) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  static VF minf(VF a, VF b) { return _mm512_min_ps(a, b); }
  static VF divf(VF a, VF b) { return _mm512_div_ps(a, b); }
  static VF xorf(VF a, VF b) { return _mm512_xor_ps(a, b); }
  // exp_f32's double-precision core on 16 lanes (two halves of 8 doubles).
  static __m512d exp_half(__m512d x) {
    const __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(kExpLog2e)),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_sub_pd(x, _mm512_mul_pd(n, _mm512_set1_pd(kExpLn2Hi)));
    r = _mm512_sub_pd(r, _mm512_mul_pd(n, _mm512_set1_pd(kExpLn2Lo)));
    __m512d p = _mm512_set1_pd(kExpPoly[0]);
    for (int i = 1; i < 11; ++i) {
      p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(kExpPoly[i]));
    }
    const __m512i e =
        _mm512_slli_epi64(_mm512_add_epi64(_mm512_cvtpd_epi64(n), _mm512_set1_epi64(1023)), 52);
    return _mm512_mul_pd(p, _mm512_castsi512_pd(e));
  }
  static VF exp_poly(VF x) {
    const __m256 lo = _mm512_castps512_ps256(x);
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1));
    const __m256 rlo = _mm512_cvtpd_ps(exp_half(_mm512_cvtps_pd(lo)));
    const __m256 rhi = _mm512_cvtpd_ps(exp_half(_mm512_cvtps_pd(hi)));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(rlo)),
                                               _mm256_castps_pd(rhi), 1));
  }
  static VI f16_bits(VF v) {
    return _mm512_cvtepu16_epi32(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  // sum_f64_lanes (kernels/ref/ops.cpp): its 16 double lanes are two vectors of 8, and its
  // folds are the halves of the vectors.
  static double sum_f64_lanes(const float* x, int64_t n) {
    static_assert(kSumLanes == 16);
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm256_loadu_ps(x + i)));
      a1 = _mm512_add_pd(a1, _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8)));
    }
    if (i < n) {  // the missing lanes add +0.0: exact
      const __m512 t = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1U << (n - i)) - 1), x + i);
      a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm512_castps512_ps256(t)));
      a1 = _mm512_add_pd(
          a1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(t), 1))));
    }
    const __m512d s8 = _mm512_add_pd(a0, a1);
    const __m256d s4 = _mm256_add_pd(_mm512_castpd512_pd256(s8), _mm512_extractf64x4_pd(s8, 1));
    const __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    return _mm_cvtsd_f64(s2) + _mm_cvtsd_f64(_mm_unpackhi_pd(s2, s2));
  }
  static VF gather(const float* table, VI idx) { return _mm512_i32gather_ps(idx, table, 4); }
  static VF sel_lt(VF x, VF c, VF t, VF f) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, c, _CMP_LT_OQ), f, t);
  }
  static VF sel_gt(VF x, VF c, VF t, VF f) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, c, _CMP_GT_OQ), f, t);
  }
  static VF sel_le(VF x, VF c, VF t, VF f) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, c, _CMP_LE_OQ), f, t);
  }
  static VF sel_ge(VF x, VF c, VF t, VF f) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, c, _CMP_GE_OQ), f, t);
  }
  static VF sel_nan(VF x, VF t, VF f) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), f, t);
  }
};

}  // namespace
}  // namespace minke
