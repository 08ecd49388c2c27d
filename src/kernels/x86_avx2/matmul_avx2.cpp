// AVX2 (+FMA/F16C) matmul kernels: the interleaved kernels of simd_common/ on 8 lanes. Integer
// dots are VPMADDUBSW + VPMADDWD (exact here: every pair of products fits in int16, see
// dot_s8s8 for Q8_0's sign trick).
#include "kernels/isa_registry.h"
#include "kernels/simd_common/interleaved_matmul.h"
#include "kernels/simd_common/row_ops.h"
#include "kernels/x86_avx2/avx2_isa.h"

namespace minke {

int avx2_kernels(MatmulKernel* out, KernelTable* ops) {
  using Row = simd::RowOps<Avx2>;
  Row::fill(ops);
  return simd::InterleavedKernels<Avx2>::fill<Row>(out);
}

}  // namespace minke
