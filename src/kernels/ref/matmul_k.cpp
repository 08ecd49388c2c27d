// Reference matmul for the K-quants against Q8_K activations. Per super-block, as llama.cpp's
// reference vec_dot: integer dots per sub-block times the sub-block's integer scale summed
// into isum, the weight mins applied through the activation's bsums (integer), then one f32
// step: (d_w * d_x) * isum - (dmin_w * d_x) * msum, accumulated over super-blocks in order.
#include "core/fp16.h"
#include "kernels/ref/matmul.h"
#include "kernels/ref/matmul_tile.h"
#include "quant/blocks_k.h"
#include "quant/k_scales.h"

namespace minke {
namespace {

// sum_j scales[j] * (q · x over sub-block j), sub-blocks of kSub elements.
template <int kSub>
int32_t scaled_isum(const int8_t q[kQK_K], const int8_t* x, const int* scales) {
  int32_t isum = 0;
  for (int j = 0; j < kQK_K / kSub; ++j) {
    int32_t s = 0;
    for (int l = 0; l < kSub; ++l) s += q[j * kSub + l] * x[j * kSub + l];
    isum += scales[j] * s;
  }
  return isum;
}

// d_w * d_x * isum - dmin_w * d_x * msum in llama.cpp's order (the d products first).
inline float finish(float dx, uint16_t dw, uint16_t dminw, int32_t isum, int32_t msum) {
  const float d = fp16_to_f32(dw) * dx;
  const float dmin = fp16_to_f32(dminw) * dx;
  const float scaled = d * static_cast<float>(isum);
  const float mins = dmin * static_cast<float>(msum);
  return scaled - mins;
}

float dot_q2_k(const BlockQ2_K& w, const BlockQ8_K& x) {
  int8_t q[kQK_K];
  // Element h*128 + s*32 + l (nested loops rather than div/mod so the compiler vectorizes).
  for (int h = 0; h < 2; ++h) {
    for (int s = 0; s < 4; ++s) {
      for (int l = 0; l < 32; ++l) {
        q[h * 128 + s * 32 + l] = static_cast<int8_t>((w.qs[h * 32 + l] >> (2 * s)) & 3);
      }
    }
  }
  int scales[16];
  int32_t msum = 0;
  for (int j = 0; j < 16; ++j) {
    scales[j] = w.scales[j] & 0xF;
    msum += x.bsums[j] * (w.scales[j] >> 4);
  }
  return finish(x.d, w.d, w.dmin, scaled_isum<16>(q, x.qs, scales), msum);
}

float dot_q3_k(const BlockQ3_K& w, const BlockQ8_K& x) {
  int8_t q[kQK_K];
  for (int h = 0; h < 2; ++h) {
    for (int s = 0; s < 4; ++s) {
      for (int l = 0; l < 32; ++l) {
        const int low2 = (w.qs[h * 32 + l] >> (2 * s)) & 3;
        const int high_bit = (w.hmask[l] >> (4 * h + s)) & 1;
        q[h * 128 + s * 32 + l] = static_cast<int8_t>(low2 - 4 + 4 * high_bit);
      }
    }
  }
  int scales[16];
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? (w.scales[j] & 0xF) : (w.scales[j - 8] >> 4);
    const int high = (w.scales[8 + j % 4] >> (2 * (j / 4))) & 3;
    scales[j] = (low | high << 4) - 32;
  }
  return finish(x.d, w.d, 0, scaled_isum<16>(q, x.qs, scales), 0);
}

// Q4_K and Q5_K share the scale/min packing; bsums are per 16, mins per 32.
template <typename Block>
float dot_q45_k(const Block& w, const BlockQ8_K& x, const int8_t q[kQK_K]) {
  int scales[8];
  int32_t msum = 0;
  for (int j = 0; j < 8; ++j) {
    const ScaleMin sm = unpack_k4_scale_min(w.scales, j);
    scales[j] = sm.scale;
    msum += (x.bsums[2 * j] + x.bsums[2 * j + 1]) * sm.min;
  }
  return finish(x.d, w.d, w.dmin, scaled_isum<32>(q, x.qs, scales), msum);
}

float dot_q4_k(const BlockQ4_K& w, const BlockQ8_K& x) {
  int8_t q[kQK_K];
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      q[c * 64 + l] = static_cast<int8_t>(w.qs[c * 32 + l] & 0xF);
      q[c * 64 + 32 + l] = static_cast<int8_t>(w.qs[c * 32 + l] >> 4);
    }
  }
  return dot_q45_k(w, x, q);
}

float dot_q5_k(const BlockQ5_K& w, const BlockQ8_K& x) {
  int8_t q[kQK_K];
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      const int high0 = (w.qh[l] >> (2 * c)) & 1, high1 = (w.qh[l] >> (2 * c + 1)) & 1;
      q[c * 64 + l] = static_cast<int8_t>((w.qs[c * 32 + l] & 0xF) | high0 << 4);
      q[c * 64 + 32 + l] = static_cast<int8_t>((w.qs[c * 32 + l] >> 4) | high1 << 4);
    }
  }
  return dot_q45_k(w, x, q);
}

float dot_q6_k(const BlockQ6_K& w, const BlockQ8_K& x) {
  int8_t q[kQK_K];
  // Element h*128 + u*32 + l: nibble u/2 of ql[h*64 + (u%2)*32 + l], bits 2u of qh[h*32 + l].
  for (int h = 0; h < 2; ++h) {
    for (int u = 0; u < 4; ++u) {
      for (int l = 0; l < 32; ++l) {
        const int low = (w.ql[h * 64 + (u % 2) * 32 + l] >> (4 * (u / 2))) & 0xF;
        const int high = (w.qh[h * 32 + l] >> (2 * u)) & 3;
        q[h * 128 + u * 32 + l] = static_cast<int8_t>((low | high << 4) - 32);
      }
    }
  }
  int scales[16];
  for (int j = 0; j < 16; ++j) scales[j] = w.scales[j];
  return finish(x.d, w.d, 0, scaled_isum<16>(q, x.qs, scales), 0);
}

}  // namespace

void matmul_q2_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ2_K, BlockQ8_K, kQK_K>(a, m0, m1, n0, n1, dot_q2_k);
}
void matmul_q3_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ3_K, BlockQ8_K, kQK_K>(a, m0, m1, n0, n1, dot_q3_k);
}
void matmul_q4_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ4_K, BlockQ8_K, kQK_K>(a, m0, m1, n0, n1, dot_q4_k);
}
void matmul_q5_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ5_K, BlockQ8_K, kQK_K>(a, m0, m1, n0, n1, dot_q5_k);
}
void matmul_q6_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ6_K, BlockQ8_K, kQK_K>(a, m0, m1, n0, n1, dot_q6_k);
}

}  // namespace minke
