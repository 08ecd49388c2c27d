// Scalar reference dequantization: one row of blocks -> n floats. These are the truth every
// SIMD/GPU kernel is tested against; they are bit-exact with gguf-py (gguf.quants.dequantize,
// numpy float32 arithmetic, no fused multiply-add), see tests/golden/quant_dequantize_test.cpp.
#pragma once

#include <cstdint>

namespace minke {

// `blocks` points at n / block_size consecutive blocks; n must be a multiple of the type's
// block size (checked). `out` receives n floats.
void dequantize_row_f32(const void* blocks, float* out, int64_t n);
void dequantize_row_f16(const void* blocks, float* out, int64_t n);
void dequantize_row_bf16(const void* blocks, float* out, int64_t n);

void dequantize_row_q4_0(const void* blocks, float* out, int64_t n);
void dequantize_row_q4_1(const void* blocks, float* out, int64_t n);
void dequantize_row_q5_0(const void* blocks, float* out, int64_t n);
void dequantize_row_q5_1(const void* blocks, float* out, int64_t n);
void dequantize_row_q8_0(const void* blocks, float* out, int64_t n);

void dequantize_row_q2_k(const void* blocks, float* out, int64_t n);
void dequantize_row_q3_k(const void* blocks, float* out, int64_t n);
void dequantize_row_q4_k(const void* blocks, float* out, int64_t n);
void dequantize_row_q5_k(const void* blocks, float* out, int64_t n);
void dequantize_row_q6_k(const void* blocks, float* out, int64_t n);
void dequantize_row_q8_k(const void* blocks, float* out, int64_t n);

void dequantize_row_iq4_nl(const void* blocks, float* out, int64_t n);
void dequantize_row_iq4_xs(const void* blocks, float* out, int64_t n);
void dequantize_row_mxfp4(const void* blocks, float* out, int64_t n);

}  // namespace minke
