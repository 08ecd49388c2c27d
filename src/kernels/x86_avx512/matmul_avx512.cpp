// AVX-512 (F/BW/VL/DQ + VNNI) matmul kernels: the interleaved kernels of x86_common/ on 16
// lanes, VPDPBUSD for the integer dots (Q8_0 weights stored biased so they multiply unsigned).
#include <immintrin.h>

#include "kernels/isa_registry.h"
#include "kernels/x86_common/interleaved_matmul.h"
#include "kernels/x86_common/row_ops.h"

namespace minke {
namespace {

struct Avx512 {
  static constexpr int R = 16;
  static constexpr int kMT = 4;
  static constexpr bool kBiasedQ8 = true;
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
  static VI or_(VI a, VI b) { return _mm512_or_si512(a, b); }
  static VI shl16(VI a, int n) { return _mm512_sll_epi16(a, _mm_cvtsi32_si128(n)); }
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

  // Row ops (x86_common/row_ops.h).
  static VF loadf(const float* p) { return _mm512_loadu_ps(p); }
  static void storef(float* p, VF v) { _mm512_storeu_ps(p, v); }
  static VF absf(VF v) { return _mm512_abs_ps(v); }
  static VF maxf(VF a, VF b) { return _mm512_max_ps(a, b); }
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
};

}  // namespace

int avx512_kernels(MatmulKernel* out, KernelTable* ops) {
  using Row = x86::RowOps<Avx512>;
  ops->attention_f16kv = Row::attention;
  ops->f32_to_f16 = Row::f32_to_f16_row;
  return x86::InterleavedKernels<Avx512>::fill(out, Row::quantize_q8_0s, Row::quantize_q8_1,
                                               Row::quantize_q8_k);
}

}  // namespace minke
