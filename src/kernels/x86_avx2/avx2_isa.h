// The AVX2 (+FMA/F16C) ISA description the simd_common kernels are written against (see
// simd_common/interleaved_matmul.h). Deliberately in an anonymous namespace: every ISA file that
// includes it gets its own type, so template instantiations compiled with different flags
// (matmul_avx2.cpp, matmul_avx2_vnni.cpp) never share a symbol.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/ref/ops.h"  // exp_f32's constants

namespace minke {
namespace {  // NOLINT(google-build-namespaces): one type per including ISA file, on purpose

struct Avx2 {
  static constexpr int R = 8;
  static constexpr int kMT = 2;
  static constexpr bool kMmla = false;  // pair products (PairDots): AArch64 i8mm only
  static constexpr bool kBiasedQ8 = false;
  using VI = __m256i;
  using VF = __m256;

  static VI zero() { return _mm256_setzero_si256(); }
  static VI load(const uint8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  static VI set1_i8(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }
  static VI set1_i32(int v) { return _mm256_set1_epi32(v); }
  static VI bcast4(const int8_t* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
  }
  static VI and_(VI a, VI b) { return _mm256_and_si256(a, b); }
  // A 16-byte table in every 128-bit lane, and each byte idx (0..15) replaced by table[idx].
  static VI table16(const uint8_t* t) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t)));
  }
  static VI lut16(VI table, VI idx) { return _mm256_shuffle_epi8(table, idx); }
  static VI or_(VI a, VI b) { return _mm256_or_si256(a, b); }
  static VI shl16(VI a, int n) { return _mm256_sll_epi16(a, _mm_cvtsi32_si128(n)); }
  static VI shl32(VI a, int n) { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(n)); }
  static VI shr16(VI a, int n) { return _mm256_srl_epi16(a, _mm_cvtsi32_si128(n)); }
  // u in 0..63 (4/5/6-bit quants), s in -127..127: 2 * 63 * 127 fits int16, no saturation.
  static VI dot_u8s8(VI acc, VI u, VI s) {
    return _mm256_add_epi32(acc,
                            _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
  }
  // Without VNNI a dot is three instructions; for 4/5-bit weights the 16-bit pair sums of a
  // block are added first (dot16_u8s8: they stay below 2^15 in magnitude, see LegacyDots) and
  // widened once (widen16).
  static constexpr bool kPairSums16 = true;
  static VI dot16_u8s8(VI acc16, VI u, VI s) {
    return _mm256_add_epi16(acc16, _mm256_maddubs_epi16(u, s));
  }
  static VI widen16(VI acc, VI acc16) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(acc16, _mm256_set1_epi16(1)));
  }
  // |w| <= 128 and |x| <= 127: 2 * 128 * 127 fits int16.
  static VI dot_s8s8(VI acc, VI w, VI x) {
    return dot_u8s8(acc, _mm256_abs_epi8(w), _mm256_sign_epi8(x, w));
  }
  static VI add32(VI a, VI b) { return _mm256_add_epi32(a, b); }
  static VI sub32(VI a, VI b) { return _mm256_sub_epi32(a, b); }
  static VI mul32(VI a, VI b) { return _mm256_mullo_epi32(a, b); }
  static VI load_u8x(const uint8_t* p) {
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  }
  static VI load_s8x(const uint8_t* p) {
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  }
  static VF cvt(VI a) { return _mm256_cvtepi32_ps(a); }
  static VF zerof() { return _mm256_setzero_ps(); }
  static VF set1f(float v) { return _mm256_set1_ps(v); }
  static VF mul(VF a, VF b) { return _mm256_mul_ps(a, b); }
  static VF add(VF a, VF b) { return _mm256_add_ps(a, b); }
  static VF sub(VF a, VF b) { return _mm256_sub_ps(a, b); }
  static VF load_f16(const uint8_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static float f16(uint16_t h) { return _cvtsh_ss(h); }
  static void store(float* y, VF v, int n) {
    if (n == R) {
      _mm256_storeu_ps(y, v);
      return;
    }
    alignas(32) float tmp[R];
    _mm256_store_ps(tmp, v);
    for (int i = 0; i < n; ++i) y[i] = tmp[i];
  }

  // Row ops (simd_common/row_ops.h).
  static VF loadf(const float* p) { return _mm256_loadu_ps(p); }
  static void storef(float* p, VF v) { _mm256_storeu_ps(p, v); }
  static VF absf(VF v) {
    return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
  }
  static VF maxf(VF a, VF b) { return _mm256_max_ps(a, b); }
  // Folds 8 lanes in halves as mla_fold_lanes does from w = 4 down: (l += l + 4), (l += l + 2),
  // (l += l + 1).
  static float fold8(__m256 v) {
    const __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 b = _mm_add_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_add_ss(b, _mm_shuffle_ps(b, b, 1)));
  }
  // mla_fold_lanes of 16 lanes held in two vectors (lanes 0-7, 8-15).
  static float fold16(const VF* v) { return fold8(_mm256_add_ps(v[0], v[1])); }
  static float hmax(VF v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  static VI cvt_rne(VF v) { return _mm256_cvtps_epi32(v); }  // MXCSR: nearest, ties to even
  static void store_i8(int8_t* p, VI v) {
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w, w));
  }
  static int hsum32(VI v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
  }
  static VI min32(VI a, VI b) { return _mm256_min_epi32(a, b); }
  static VI max32(VI a, VI b) { return _mm256_max_epi32(a, b); }
  static VF fmadd(VF a, VF b, VF c) { return _mm256_fmadd_ps(a, b, c); }
  static VF load_f16p(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static void store_f16p(uint16_t* p, VF v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static uint16_t f32_to_f16(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }
  static float f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }
  static VF load_bf16(const uint8_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static VF minf(VF a, VF b) { return _mm256_min_ps(a, b); }
  static VF divf(VF a, VF b) { return _mm256_div_ps(a, b); }
  static VF xorf(VF a, VF b) { return _mm256_xor_ps(a, b); }
  // exp_f32's double-precision core on 8 lanes (two halves of 4 doubles).
  static __m256d exp_half(__m256d x) {
    const __m256d n = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(kExpLog2e)),
                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_sub_pd(x, _mm256_mul_pd(n, _mm256_set1_pd(kExpLn2Hi)));
    r = _mm256_sub_pd(r, _mm256_mul_pd(n, _mm256_set1_pd(kExpLn2Lo)));
    __m256d p = _mm256_set1_pd(kExpPoly[0]);
    for (int i = 1; i < 11; ++i) {
      p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(kExpPoly[i]));
    }
    const __m256i n64 = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(n));  // |n| <= 151: exact
    const __m256i e = _mm256_slli_epi64(_mm256_add_epi64(n64, _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, _mm256_castsi256_pd(e));
  }
  static VF exp_poly(VF x) {
    const __m128 rlo = _mm256_cvtpd_ps(exp_half(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));
    const __m128 rhi = _mm256_cvtpd_ps(exp_half(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(rlo), rhi, 1);
  }
  static VI f16_bits(VF v) {
    return _mm256_cvtepu16_epi32(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  // sum_f64_lanes (kernels/ref/ops.cpp): its 16 double lanes are four vectors of 4.
  static double sum_f64_lanes(const float* x, int64_t n) {
    static_assert(kSumLanes == 16);
    __m256d a[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
                    _mm256_setzero_pd()};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      for (int v = 0; v < 4; ++v)
        a[v] = _mm256_add_pd(a[v], _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4 * v)));
    }
    if (i < n) {  // the missing lanes add +0.0: exact
      alignas(32) float t[16] = {};
      std::memcpy(t, x + i, static_cast<size_t>(n - i) * sizeof(float));
      for (int v = 0; v < 4; ++v)
        a[v] = _mm256_add_pd(a[v], _mm256_cvtps_pd(_mm_load_ps(t + 4 * v)));
    }
    const __m256d s4 = _mm256_add_pd(_mm256_add_pd(a[0], a[2]), _mm256_add_pd(a[1], a[3]));
    const __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    return _mm_cvtsd_f64(s2) + _mm_cvtsd_f64(_mm_unpackhi_pd(s2, s2));
  }
  static VF gather(const float* table, VI idx) { return _mm256_i32gather_ps(table, idx, 4); }
  static VF sel_lt(VF x, VF c, VF t, VF f) {
    return _mm256_blendv_ps(f, t, _mm256_cmp_ps(x, c, _CMP_LT_OQ));
  }
  static VF sel_gt(VF x, VF c, VF t, VF f) {
    return _mm256_blendv_ps(f, t, _mm256_cmp_ps(x, c, _CMP_GT_OQ));
  }
  static VF sel_le(VF x, VF c, VF t, VF f) {
    return _mm256_blendv_ps(f, t, _mm256_cmp_ps(x, c, _CMP_LE_OQ));
  }
  static VF sel_ge(VF x, VF c, VF t, VF f) {
    return _mm256_blendv_ps(f, t, _mm256_cmp_ps(x, c, _CMP_GE_OQ));
  }
  static VF sel_nan(VF x, VF t, VF f) {
    return _mm256_blendv_ps(f, t, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  }
};

}  // namespace
}  // namespace minke
