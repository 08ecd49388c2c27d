// fp16 -> f32 through a 64K-entry table (256 KiB, built once): the software conversion in
// core/fp16.h branches per element, which dominated F16 matmul and attention K/V reads.
#pragma once

#include <cstdint>

namespace minke {

const float* fp16_table();  // fp16_table()[h] == fp16_to_f32(h) for every h

inline float fp16_lut(const float* table, uint16_t h) { return table[h]; }

// gelu_f16_table()[h] = fp16-rounded gelu_tanh of the fp16 value h, as f32 (256 KiB, built
// once): llama.cpp's GELU reads such a table, and it is what makes GeGLU cheap on every path.
const float* gelu_f16_table();

}  // namespace minke
