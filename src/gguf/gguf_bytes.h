// Private helpers shared by the GGUF reader and writer: little-endian loads
// and the fixed sizes of the GGUF metadata value types.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "gguf/gguf_file.h"

namespace minke::gguf_detail {

static_assert(std::endian::native == std::endian::little,
              "GGUF is little-endian; a big-endian host needs byte swaps here");

template <typename T>
T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

inline constexpr uint32_t kMaxValueType = static_cast<uint32_t>(GgufValueType::FLOAT64);

// Bytes of one value of a fixed-size type; 0 for STRING and ARRAY.
inline uint64_t fixed_value_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::UINT8:
    case GgufValueType::INT8:
    case GgufValueType::BOOL:
      return 1;
    case GgufValueType::UINT16:
    case GgufValueType::INT16:
      return 2;
    case GgufValueType::UINT32:
    case GgufValueType::INT32:
    case GgufValueType::FLOAT32:
      return 4;
    case GgufValueType::UINT64:
    case GgufValueType::INT64:
    case GgufValueType::FLOAT64:
      return 8;
    case GgufValueType::STRING:
    case GgufValueType::ARRAY:
      return 0;
  }
  return 0;
}

// The fewest bytes one value of the type can occupy (a string is at least its
// u64 length, an array at least its u32 type and u64 count).
inline uint64_t min_value_size(GgufValueType t) {
  if (t == GgufValueType::STRING) return 8;
  if (t == GgufValueType::ARRAY) return 12;
  return fixed_value_size(t);
}

inline bool is_integer(GgufValueType t) {
  switch (t) {
    case GgufValueType::UINT8:
    case GgufValueType::INT8:
    case GgufValueType::UINT16:
    case GgufValueType::INT16:
    case GgufValueType::UINT32:
    case GgufValueType::INT32:
    case GgufValueType::UINT64:
    case GgufValueType::INT64:
      return true;
    default:
      return false;
  }
}

inline bool is_signed_integer(GgufValueType t) {
  return t == GgufValueType::INT8 || t == GgufValueType::INT16 || t == GgufValueType::INT32 ||
         t == GgufValueType::INT64;
}

// Nested arrays deeper than this are rejected: no real model uses more than
// one level, and the bound keeps the recursive walk's stack use small.
inline constexpr int kMaxArrayDepth = 8;

}  // namespace minke::gguf_detail
