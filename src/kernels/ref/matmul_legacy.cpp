// Reference matmul for the legacy 32-element quant types. Per block: an exact integer dot of
// the weight quants with the Q8 activation quants, then one f32 scaling in the order llama.cpp's
// reference vec_dot uses (d_w * d_x applied to the integer sum; for Q4_1/Q5_1 plus m_w * s_x,
// where s_x = d_x * sum(q_x) carries the weight minimum's contribution). MXFP4 (gpt-oss) has
// the same 32-element blocks and Q8_0 activations: the doubled E2M1 codes dot the activation
// quants exactly, then d_x * half scale multiplies the sum (ggml's vec_dot_mxfp4_q8_0).
#include <cmath>

#include "core/check.h"
#include "core/fp16.h"
#include "kernels/ref/matmul.h"
#include "kernels/ref/matmul_tile.h"
#include "quant/blocks_legacy.h"
#include "quant/blocks_mxfp4.h"

namespace minke {
namespace {

// Weight quants of one block as unsigned 4/5-bit values, element order (see blocks_legacy.h).
inline void unpack_nibbles(const uint8_t* qs, int q[kQK32]) {
  for (int j = 0; j < kQK32 / 2; ++j) {
    q[j] = qs[j] & 0xF;
    q[j + 16] = qs[j] >> 4;
  }
}

inline void add_high_bits(const uint8_t* qh, int q[kQK32]) {
  const uint32_t h = load_u32_le(qh);
  for (int j = 0; j < kQK32; ++j) q[j] |= static_cast<int>((h >> j) & 1) << 4;
}

inline int32_t int_dot(const int q[kQK32], int offset, const int8_t* x) {
  int32_t sum = 0;
  for (int j = 0; j < kQK32; ++j) sum += (q[j] - offset) * x[j];
  return sum;
}

}  // namespace

void matmul_q4_0_q8_0(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ4_0, BlockQ8_0, kQK32>(
      a, m0, m1, n0, n1, [](const BlockQ4_0& w, const BlockQ8_0& x) {
        int q[kQK32];
        unpack_nibbles(w.qs, q);
        const float sumi = static_cast<float>(int_dot(q, 8, x.qs));
        return sumi * fp16_to_f32(w.d) * fp16_to_f32(x.d);
      });
}

void matmul_q4_1_q8_1(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ4_1, BlockQ8_1, kQK32>(
      a, m0, m1, n0, n1, [](const BlockQ4_1& w, const BlockQ8_1& x) {
        int q[kQK32];
        unpack_nibbles(w.qs, q);
        const float sumi = static_cast<float>(int_dot(q, 0, x.qs));
        const float dd = fp16_to_f32(w.d) * fp16_to_f32(x.d);
        const float scaled = dd * sumi;
        const float min_term = fp16_to_f32(w.m) * fp16_to_f32(x.s);
        return scaled + min_term;
      });
}

void matmul_q5_0_q8_0(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ5_0, BlockQ8_0, kQK32>(
      a, m0, m1, n0, n1, [](const BlockQ5_0& w, const BlockQ8_0& x) {
        int q[kQK32];
        unpack_nibbles(w.qs, q);
        add_high_bits(w.qh, q);
        const float sumi = static_cast<float>(int_dot(q, 16, x.qs));
        const float dd = fp16_to_f32(w.d) * fp16_to_f32(x.d);
        return dd * sumi;
      });
}

void matmul_q5_1_q8_1(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ5_1, BlockQ8_1, kQK32>(
      a, m0, m1, n0, n1, [](const BlockQ5_1& w, const BlockQ8_1& x) {
        int q[kQK32];
        unpack_nibbles(w.qs, q);
        add_high_bits(w.qh, q);
        const float sumi = static_cast<float>(int_dot(q, 0, x.qs));
        const float dd = fp16_to_f32(w.d) * fp16_to_f32(x.d);
        const float scaled = dd * sumi;
        const float min_term = fp16_to_f32(w.m) * fp16_to_f32(x.s);
        return scaled + min_term;
      });
}

void matmul_q8_0_q8_0(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockQ8_0, BlockQ8_0, kQK32>(
      a, m0, m1, n0, n1, [](const BlockQ8_0& w, const BlockQ8_0& x) {
        int32_t sumi = 0;
        for (int j = 0; j < kQK32; ++j) sumi += w.qs[j] * x.qs[j];
        const float dd = fp16_to_f32(w.d) * fp16_to_f32(x.d);
        return static_cast<float>(sumi) * dd;
      });
}

void matmul_mxfp4_q8_0(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  ref_detail::matmul_blocks<BlockMXFP4, BlockQ8_0, kQK32>(
      a, m0, m1, n0, n1, [](const BlockMXFP4& w, const BlockQ8_0& x) {
        int32_t sumi = 0;
        for (int j = 0; j < kQK32 / 2; ++j) {
          sumi += kMxfp4Values[w.qs[j] & 0xF] * x.qs[j];
          sumi += kMxfp4Values[w.qs[j] >> 4] * x.qs[j + kQK32 / 2];
        }
        const float d = fp16_to_f32(x.d) * mxfp4_half_scale(w.e);
        return d * static_cast<float>(sumi);
      });
}

}  // namespace minke
