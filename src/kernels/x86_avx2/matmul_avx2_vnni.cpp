// AVX2 with AVX-VNNI (Intel Alder Lake and later, AMD Zen 4 and later): the AVX2 kernels with
// the VEX-encoded VPDPBUSD for every integer dot, and Q8_0 weights stored biased like on
// AVX-512, so each 4-byte dot is one instruction instead of three.
#include "kernels/isa_registry.h"
#include "kernels/simd_common/interleaved_matmul.h"
#include "kernels/simd_common/row_ops.h"
#include "kernels/x86_avx2/avx2_isa.h"

namespace minke {
namespace {

struct Avx2Vnni : Avx2 {
  static constexpr bool kBiasedQ8 = true;
  static constexpr bool kPairSums16 = false;  // VPDPBUSD sums in 32 bits directly
  static VI dot_u8s8(VI acc, VI u, VI s) { return _mm256_dpbusd_avx_epi32(acc, u, s); }
};

}  // namespace

int avx2_vnni_kernels(MatmulKernel* out, KernelTable* ops) {
  (void)ops;  // the row ops have no integer dots: the AVX2 path's serve
  using Row = simd::RowOps<Avx2Vnni>;
  return simd::InterleavedKernels<Avx2Vnni>::fill<Row>(out);
}

}  // namespace minke
