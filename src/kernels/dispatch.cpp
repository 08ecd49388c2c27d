// Picks the kernel table for this host once. Only the scalar reference exists so far; ISA
// variants (x86_avx2/, arm_neon/, ...) will be chosen here from CPU feature detection.
#include "kernels/kernel_table.h"

namespace minke {

const KernelTable& kernels() { return ref_kernels(); }

const MatmulKernel* find_matmul(const KernelTable& table, GgmlType weight_type) {
  for (const MatmulKernel& k : table.matmul) {
    if (k.weight_type == weight_type) return &k;
  }
  return nullptr;
}

}  // namespace minke
