// AArch64 NEON kernels (every ARMv8-A CPU, e.g. the Raspberry Pi 4's Cortex-A72): the
// interleaved matmuls and row ops of simd_common/ on 4 lanes. Integer dots are SMULL pairs
// summed into 32-bit lanes (neon_isa.h); results are bit-identical to kernels/ref/.
#include "kernels/arm_neon/neon_isa.h"
#include "kernels/isa_registry.h"
#include "kernels/simd_common/interleaved_matmul.h"
#include "kernels/simd_common/row_ops.h"

namespace minke {

int neon_kernels(MatmulKernel* out, KernelTable* ops) {
  using Row = simd::RowOps<Neon>;
  Row::fill(ops);
  return simd::InterleavedKernels<Neon>::fill<Row>(out);
}

}  // namespace minke
