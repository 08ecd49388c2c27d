// The 12-byte packing of eight 6-bit (scale, min) pairs shared by Q4_K and Q5_K.
//   bytes 0..3  : low 6 bits = sc[0..3], top 2 bits = bits 4..5 of sc[4..7]
//   bytes 4..7  : low 6 bits = m[0..3],  top 2 bits = bits 4..5 of m[4..7]
//   bytes 8..11 : low nibble = bits 0..3 of sc[4..7], high nibble = bits 0..3 of m[4..7]
#pragma once

#include <cstdint>

namespace minke {

struct ScaleMin {
  uint8_t scale;
  uint8_t min;
};

inline ScaleMin unpack_k4_scale_min(const uint8_t* packed, int j) {
  if (j < 4)
    return {static_cast<uint8_t>(packed[j] & 63), static_cast<uint8_t>(packed[j + 4] & 63)};
  const uint8_t low = packed[j + 4];
  return {static_cast<uint8_t>((low & 0xF) | ((packed[j - 4] >> 6) << 4)),
          static_cast<uint8_t>((low >> 4) | ((packed[j] >> 6) << 4))};
}

// Inverse of unpack_k4_scale_min; scale and min must be < 64.
inline void pack_k4_scales_mins(const uint8_t scale[8], const uint8_t min[8], uint8_t packed[12]) {
  for (int j = 0; j < 4; ++j) {
    packed[j] = static_cast<uint8_t>((scale[j] & 63) | ((scale[j + 4] >> 4) << 6));
    packed[j + 4] = static_cast<uint8_t>((min[j] & 63) | ((min[j + 4] >> 4) << 6));
    packed[j + 8] = static_cast<uint8_t>((scale[j + 4] & 0xF) | ((min[j + 4] & 0xF) << 4));
  }
}

}  // namespace minke
