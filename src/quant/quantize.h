// Scalar reference quantization: n floats -> n / block_size blocks. The legacy types, F16 and
// BF16 are byte-exact with gguf-py's quantizers (themselves exact with ggml's *_ref C code);
// the K-quant searches are Minke's own (see quantize_k.cpp) and are held to error bounds.
#pragma once

#include <cstdint>

namespace minke {

// `in` holds n floats, n a multiple of the type's block size (checked); `blocks` receives
// n / block_size blocks. Finite input is assumed (NaN/inf give unspecified quants).
void quantize_row_f32(const float* in, void* blocks, int64_t n);
void quantize_row_f16(const float* in, void* blocks, int64_t n);
void quantize_row_bf16(const float* in, void* blocks, int64_t n);

void quantize_row_q4_0(const float* in, void* blocks, int64_t n);
void quantize_row_q4_1(const float* in, void* blocks, int64_t n);
void quantize_row_q5_0(const float* in, void* blocks, int64_t n);
void quantize_row_q5_1(const float* in, void* blocks, int64_t n);
void quantize_row_q8_0(const float* in, void* blocks, int64_t n);
void quantize_row_mxfp4(const float* in, void* blocks, int64_t n);

void quantize_row_q4_k(const float* in, void* blocks, int64_t n);
void quantize_row_q5_k(const float* in, void* blocks, int64_t n);
void quantize_row_q6_k(const float* in, void* blocks, int64_t n);
void quantize_row_q8_k(const float* in, void* blocks, int64_t n);

}  // namespace minke
