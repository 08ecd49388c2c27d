// Block layouts of the non-linear 4-bit "IQ4" types (IQ4_NL, IQ4_XS), which map each 4-bit
// index through a fixed 16-entry codebook instead of a linear scale.
#pragma once

#include <cstdint>

namespace minke {

// The IQ4 codebook (gguf-py IQ4_NL.kvalues, ggml kvalues_iq4nl).
inline constexpr int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                          1,    13,   25,  38,  53,  69,  89,  113};

// IQ4_NL: 32 elements, x = d * kIq4Values[q]; nibble layout as Q4_0.
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[16];
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// IQ4_XS: 256 elements in 8 sub-blocks of 32. x = (d * (ls[j] - 32)) * kIq4Values[q].
// Six-bit ls[j]: low 4 bits are nibble j % 2 of scales_l[j / 2], high 2 bits are
// (scales_h >> 2j) & 3. Sub-block j element l: nibble l / 16 of qs[j*16 + l % 16].
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[4];
  uint8_t qs[128];
};
static_assert(sizeof(BlockIQ4_XS) == 136);

}  // namespace minke
