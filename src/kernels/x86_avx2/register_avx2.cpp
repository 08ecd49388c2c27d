// The AVX2 path's entries in the kernel table (everything else stays the reference's).
#include "kernels/isa_registry.h"

namespace minke {

void register_avx2_kernels(KernelTable& table) { (void)table; }

}  // namespace minke
