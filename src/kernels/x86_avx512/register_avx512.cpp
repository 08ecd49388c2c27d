// The AVX-512 path's entries in the kernel table (over the AVX2 path's).
#include "kernels/isa_registry.h"

namespace minke {

void register_avx512_kernels(KernelTable& table) { (void)table; }

}  // namespace minke
