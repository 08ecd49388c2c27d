// AVX-512 (F/BW/VL/DQ + VNNI) matmul kernels: the interleaved kernels of x86_common/ on 16
// lanes, VPDPBUSD for the integer dots (Q8_0 weights stored biased so they multiply unsigned).
#include "kernels/isa_registry.h"
#include "kernels/x86_avx512/avx512_isa.h"
#include "kernels/x86_common/interleaved_matmul.h"
#include "kernels/x86_common/row_ops.h"

namespace minke {

int avx512_kernels(MatmulKernel* out, KernelTable* ops) {
  using Row = x86::RowOps<Avx512>;
  Row::fill(ops);
  return x86::InterleavedKernels<Avx512>::fill<Row>(out);
}

}  // namespace minke
