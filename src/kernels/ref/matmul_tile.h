// The loop every reference matmul shares: for each (n, m) in the rectangle, one dot product
// of weight row n with activation row m over the row's blocks in order. Weight row outer so it
// stays in L1 while the activation rows stream past.
#pragma once

#include <cstdint>

#include "kernels/kernel_table.h"

namespace minke::ref_detail {

// BlockDot: float(const WBlock&, const ABlock&), the block's contribution to the dot.
template <typename WBlock, typename ABlock, int kBlockSize, typename BlockDot>
void matmul_blocks(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                   BlockDot block_dot) {
  const int64_t nb = a.k / kBlockSize;
  const auto* wbase = static_cast<const uint8_t*>(a.w);
  const auto* xbase = static_cast<const uint8_t*>(a.x);
  for (int64_t n = n0; n < n1; ++n) {
    const auto* w = reinterpret_cast<const WBlock*>(wbase + n * a.w_stride);
    for (int64_t m = m0; m < m1; ++m) {
      const auto* x = reinterpret_cast<const ABlock*>(xbase + m * a.x_row_bytes);
      float acc = 0.0f;
      for (int64_t b = 0; b < nb; ++b) acc += block_dot(w[b], x[b]);
      a.y[m * a.y_stride + n] = acc;
    }
  }
}

}  // namespace minke::ref_detail
