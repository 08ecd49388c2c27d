// NEON with the dot-product extension (ARMv8.2-A DotProd: Cortex-A55/A76 and later, the
// Raspberry Pi 5, Graviton 2 and later, Apple silicon): the NEON kernels with SDOT for every
// integer dot, four byte products summed into each 32-bit lane in one instruction.
#include "kernels/arm_neon/neon_isa.h"
#include "kernels/isa_registry.h"
#include "kernels/simd_common/interleaved_matmul.h"
#include "kernels/simd_common/row_ops.h"

namespace minke {
namespace {

struct NeonDot : Neon {
  static constexpr bool kPairSums16 = false;  // SDOT sums in 32 bits directly
  static VI dot_u8s8(VI acc, VI u, VI s) { return vdotq_s32(acc, s8(u), s8(s)); }
  static VI dot_s8s8(VI acc, VI w, VI x) { return vdotq_s32(acc, s8(w), s8(x)); }
};

}  // namespace

int neon_dotprod_kernels(MatmulKernel* out, KernelTable* ops) {
  (void)ops;  // the row ops have no integer dots: the NEON path's serve
  using Row = simd::RowOps<NeonDot>;
  return simd::InterleavedKernels<NeonDot>::fill<Row>(out);
}

}  // namespace minke
