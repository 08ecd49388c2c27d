// NEON with the int8 matrix-multiply extension (ARMv8.6-A I8MM: Graviton 3 and later,
// Neoverse N2/V1/V2, Cortex-A710/X2 and later, Apple M2 and later): the dot-product kernels,
// with SMMLA for every matmul tile of two or more activation rows. One SMMLA multiplies a 2 x 8
// block of activation bytes by a 2 x 8 block of weight bytes into four 32-bit sums: twice the
// products of an SDOT (simd_common/interleaved_matmul.h, PairDots). A single row (decode) keeps
// SDOT, where half of every SMMLA would be wasted.
#include "kernels/arm_neon/neon_isa.h"
#include "kernels/isa_registry.h"
#include "kernels/simd_common/interleaved_matmul.h"
#include "kernels/simd_common/row_ops.h"

namespace minke {
namespace {

struct NeonI8mm : Neon {
  static constexpr bool kPairSums16 = false;
  static constexpr bool kMmla = true;
  static VI dot_u8s8(VI acc, VI u, VI s) { return vdotq_s32(acc, s8(u), s8(s)); }
  static VI dot_s8s8(VI acc, VI w, VI x) { return vdotq_s32(acc, s8(w), s8(x)); }
  static VI mmla(VI acc, VI a, VI b) { return vmmlaq_s32(acc, s8(a), s8(b)); }
  static VI zip_lo32(VI a, VI b) { return vzip1q_s32(a, b); }
  static VI zip_hi32(VI a, VI b) { return vzip2q_s32(a, b); }
  static VI zip_lo64(VI a, VI b) {
    return vreinterpretq_s32_s64(vzip1q_s64(vreinterpretq_s64_s32(a), vreinterpretq_s64_s32(b)));
  }
  static VI zip_hi64(VI a, VI b) {
    return vreinterpretq_s32_s64(vzip2q_s64(vreinterpretq_s64_s32(a), vreinterpretq_s64_s32(b)));
  }
  // Bytes x0[0..8) then x1[0..8): two activation rows as SMMLA's 2 x 8 left operand.
  static VI pair8(const int8_t* x0, const int8_t* x1) {
    return vreinterpretq_s32_s8(vcombine_s8(vld1_s8(x0), vld1_s8(x1)));
  }
};

}  // namespace

int neon_i8mm_kernels(MatmulKernel* out, KernelTable* ops) {
  (void)ops;  // the row ops have no integer dots: the NEON path's serve
  using Row = simd::RowOps<NeonI8mm>;
  return simd::InterleavedKernels<NeonI8mm>::fill<Row>(out);
}

}  // namespace minke
