// MXFP4 (OCP Microscaling, FP4 E2M1 elements with a shared E8M0 scale), as GGUF stores it for
// gpt-oss: 32 elements per 17-byte block. Element j (< 16) is the low nibble of qs[j], element
// j + 16 the high one; a nibble is an E2M1 code (sign bit 3, then 2 exponent and 1 mantissa
// bits). As in ggml and gguf-py the codes are kept doubled (kMxfp4Values: 0, 0.5, 1, 1.5, 2,
// 3, 4, 6 times two) and the scale halved to match: x = kMxfp4Values[q] * 2^(e - 128).
#pragma once

#include <bit>
#include <cstdint>

namespace minke {

inline constexpr int8_t kMxfp4Values[16] = {0, 1,  2,  3,  4,  6,  8,  12,
                                            0, -1, -2, -3, -4, -6, -8, -12};

struct BlockMXFP4 {
  uint8_t e;  // E8M0 exponent: the scale is 2^(e - 127)
  uint8_t qs[16];
};
static_assert(sizeof(BlockMXFP4) == 17);

// Half the E8M0 scale, 2^(e - 128), as an f32 bit pattern (ggml's GGML_E8M0_TO_FP32_HALF):
// e < 2 gives the subnormals 2^-128 and 2^-127.
inline float mxfp4_half_scale(uint8_t e) {
  const uint32_t bits = e < 2 ? uint32_t{0x00200000} << e : static_cast<uint32_t>(e - 1) << 23;
  return std::bit_cast<float>(bits);
}

}  // namespace minke
