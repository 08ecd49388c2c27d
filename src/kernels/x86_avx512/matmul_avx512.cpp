// AVX-512 (F/BW/VL/DQ + VNNI) matmul kernels: the interleaved kernels of simd_common/ on 16
// lanes, VPDPBUSD for the integer dots (Q8_0 weights stored biased so they multiply unsigned).
#include "kernels/isa_registry.h"
#include "kernels/simd_common/interleaved_matmul.h"
#include "kernels/simd_common/row_ops.h"
#include "kernels/x86_avx512/avx512_isa.h"

namespace minke {

int avx512_kernels(MatmulKernel* out, KernelTable* ops) {
  using Row = simd::RowOps<Avx512>;
  Row::fill(ops);
  return simd::InterleavedKernels<Avx512>::fill<Row>(out);
}

}  // namespace minke
