// AVX2 (+FMA/F16C) matmul kernels: the interleaved kernels of x86_common/ on 8 lanes. Integer
// dots are VPMADDUBSW + VPMADDWD (exact here: every pair of products fits in int16, see
// dot_s8s8 for Q8_0's sign trick).
#include "kernels/isa_registry.h"
#include "kernels/x86_avx2/avx2_isa.h"
#include "kernels/x86_common/interleaved_matmul.h"
#include "kernels/x86_common/row_ops.h"

namespace minke {

int avx2_kernels(MatmulKernel* out, KernelTable* ops) {
  using Row = x86::RowOps<Avx2>;
  Row::fill(ops);
  return x86::InterleavedKernels<Avx2>::fill<Row>(out);
}

}  // namespace minke
