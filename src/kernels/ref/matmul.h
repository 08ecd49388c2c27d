// Scalar reference matmul kernels, one per (weight, activation) type pair, and the activation
// row converters they use. Contract and argument layout: kernels/kernel_table.h (MatmulArgs).
// Each y[m, n] is one dot product over K in block order, so results never depend on M or on
// how the (m, n) rectangle is split.
#pragma once

#include <cstdint>

#include "kernels/kernel_table.h"

namespace minke {

// Activation converters (k floats -> one row in the activation format).
void convert_row_f32(const float* x, void* out, int64_t k);
void convert_row_f16(const float* x, void* out, int64_t k);
void convert_row_bf16(const float* x, void* out, int64_t k);
// Q8_0 / Q8_1 activations in llama.cpp's x86 arithmetic (quantize_act.cpp): d = amax / 127,
// q = nearest-even(x * (127 / amax)); Q8_1 (the format for Q4_1/Q5_1 weights, which no file
// stores) adds s = d * sum(q). Q8_K activations use quant/'s quantize_row_q8_k, which is
// already what llama.cpp runs on x86.
void quantize_act_q8_0(const float* x, void* out, int64_t k);
// One 32-element block of quantize_act_q8_0: writes q[32], returns the fp16 bits of d.
uint16_t quantize_act_block_q8(const float* x, int8_t* q);
void quantize_act_q8_1(const float* x, void* out, int64_t k);

// Float weights: products of (converted) floats, accumulated in f32 in index order.
void matmul_f32_f32(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_f16_f16(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_bf16_bf16(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

// Legacy 32-element blocks: integer dot per block, scaled in f32, accumulated in block order.
void matmul_q4_0_q8_0(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_q4_1_q8_1(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_q5_0_q8_0(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_q5_1_q8_1(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_q8_0_q8_0(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_mxfp4_q8_0(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

// K-quants (256-element super-blocks) against Q8_K activations: integer dot per sub-block
// times its integer scale, summed per super-block, then d * isum - dmin * (bsums · mins).
void matmul_q2_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_q3_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_q4_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_q5_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
void matmul_q6_k_q8_k(const MatmulArgs& a, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

}  // namespace minke
