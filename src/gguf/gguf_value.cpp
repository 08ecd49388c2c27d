// GgufValue: typed access to one GGUF metadata value (scalars decoded at open
// time, strings and arrays read in place from the mapping).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>

#include "core/check.h"
#include "gguf/gguf_bytes.h"
#include "gguf/gguf_file.h"
#include "minke/error.h"

namespace minke {

using gguf_detail::fixed_value_size;
using gguf_detail::is_integer;
using gguf_detail::is_signed_integer;
using gguf_detail::load_le;

namespace {

// Encoded size of one value at p. The parser validated the whole structure, so
// this walk stays inside the file.
uint64_t encoded_size(GgufValueType type, const uint8_t* p) {
  if (type == GgufValueType::STRING) return 8 + load_le<uint64_t>(p);
  if (type != GgufValueType::ARRAY) return fixed_value_size(type);
  const auto elem = static_cast<GgufValueType>(load_le<uint32_t>(p));
  const uint64_t n = load_le<uint64_t>(p + 4);
  const uint64_t fixed = fixed_value_size(elem);
  if (fixed != 0) return 12 + n * fixed;
  uint64_t size = 12;
  for (uint64_t i = 0; i < n; ++i) size += encoded_size(elem, p + size);
  return size;
}

double scalar_to_double(GgufValueType type, uint64_t bits) {
  switch (type) {
    case GgufValueType::FLOAT32:
      return std::bit_cast<float>(static_cast<uint32_t>(bits));
    case GgufValueType::FLOAT64:
      return std::bit_cast<double>(bits);
    case GgufValueType::INT8:
      return static_cast<int8_t>(bits);
    case GgufValueType::INT16:
      return static_cast<int16_t>(bits);
    case GgufValueType::INT32:
      return static_cast<int32_t>(bits);
    case GgufValueType::INT64:
      return static_cast<double>(static_cast<int64_t>(bits));
    default:
      return static_cast<double>(bits);
  }
}

// Sign-extended value of a signed integer type.
int64_t signed_value(GgufValueType type, uint64_t bits) {
  switch (type) {
    case GgufValueType::INT8:
      return static_cast<int8_t>(bits);
    case GgufValueType::INT16:
      return static_cast<int16_t>(bits);
    case GgufValueType::INT32:
      return static_cast<int32_t>(bits);
    default:
      return static_cast<int64_t>(bits);
  }
}

}  // namespace

std::string_view gguf_value_type_name(GgufValueType type) {
  switch (type) {
    case GgufValueType::UINT8:
      return "uint8";
    case GgufValueType::INT8:
      return "int8";
    case GgufValueType::UINT16:
      return "uint16";
    case GgufValueType::INT16:
      return "int16";
    case GgufValueType::UINT32:
      return "uint32";
    case GgufValueType::INT32:
      return "int32";
    case GgufValueType::FLOAT32:
      return "float32";
    case GgufValueType::BOOL:
      return "bool";
    case GgufValueType::STRING:
      return "string";
    case GgufValueType::ARRAY:
      return "array";
    case GgufValueType::UINT64:
      return "uint64";
    case GgufValueType::INT64:
      return "int64";
    case GgufValueType::FLOAT64:
      return "float64";
  }
  return "unknown";
}

void GgufValue::fail(const std::string& what) const {
  const std::string file = file_ != nullptr ? *file_ : std::string("gguf");
  throw Error(file + ": key '" + key_ + "' " + what);
}

bool GgufValue::as_bool() const {
  if (type_ != GgufValueType::BOOL) {
    fail("is " + std::string(gguf_value_type_name(type_)) + ", expected bool");
  }
  return scalar_bits_ != 0;
}

uint64_t GgufValue::as_u64() const {
  if (!is_integer(type_)) {
    fail("is " + std::string(gguf_value_type_name(type_)) + ", expected an integer");
  }
  if (is_signed_integer(type_)) {
    const int64_t v = signed_value(type_, scalar_bits_);
    if (v < 0) fail("is negative (" + std::to_string(v) + "), expected an unsigned integer");
    return static_cast<uint64_t>(v);
  }
  return scalar_bits_;
}

int64_t GgufValue::as_i64() const {
  if (!is_integer(type_)) {
    fail("is " + std::string(gguf_value_type_name(type_)) + ", expected an integer");
  }
  if (is_signed_integer(type_)) return signed_value(type_, scalar_bits_);
  if (scalar_bits_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    fail("value " + std::to_string(scalar_bits_) + " does not fit in int64");
  }
  return static_cast<int64_t>(scalar_bits_);
}

uint32_t GgufValue::as_u32() const {
  const uint64_t v = as_u64();
  if (v > std::numeric_limits<uint32_t>::max()) {
    fail("value " + std::to_string(v) + " does not fit in uint32");
  }
  return static_cast<uint32_t>(v);
}

int32_t GgufValue::as_i32() const {
  const int64_t v = as_i64();
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    fail("value " + std::to_string(v) + " does not fit in int32");
  }
  return static_cast<int32_t>(v);
}

double GgufValue::as_f64() const {
  if (!is_integer(type_) && type_ != GgufValueType::FLOAT32 && type_ != GgufValueType::FLOAT64) {
    fail("is " + std::string(gguf_value_type_name(type_)) + ", expected a number");
  }
  return scalar_to_double(type_, scalar_bits_);
}

float GgufValue::as_f32() const {
  if (type_ == GgufValueType::FLOAT32)
    return std::bit_cast<float>(static_cast<uint32_t>(scalar_bits_));
  return static_cast<float>(as_f64());
}

std::string_view GgufValue::as_string() const {
  if (type_ != GgufValueType::STRING) {
    fail("is " + std::string(gguf_value_type_name(type_)) + ", expected string");
  }
  return {reinterpret_cast<const char*>(payload_), static_cast<size_t>(payload_size_)};
}

GgufValue GgufValue::array_at(uint64_t index) const {
  if (type_ != GgufValueType::ARRAY) {
    fail("is " + std::string(gguf_value_type_name(type_)) + ", expected array");
  }
  if (index >= array_size_) {
    fail("has " + std::to_string(array_size_) + " elements, index " + std::to_string(index) +
         " is out of range");
  }
  const uint64_t fixed = fixed_value_size(array_type_);
  const uint8_t* p = payload_;
  if (fixed != 0) {
    p += index * fixed;
  } else {
    for (uint64_t i = 0; i < index; ++i) p += encoded_size(array_type_, p);
  }
  GgufValue v;
  v.file_ = file_;
  v.key_ = key_ + "[" + std::to_string(index) + "]";
  v.type_ = array_type_;
  if (array_type_ == GgufValueType::STRING) {
    v.payload_size_ = load_le<uint64_t>(p);
    v.payload_ = p + 8;
  } else if (array_type_ == GgufValueType::ARRAY) {
    v.array_type_ = static_cast<GgufValueType>(load_le<uint32_t>(p));
    v.array_size_ = load_le<uint64_t>(p + 4);
    v.payload_ = p + 12;
    v.payload_size_ = encoded_size(GgufValueType::ARRAY, p) - 12;
  } else {
    std::memcpy(&v.scalar_bits_, p, fixed);
  }
  return v;
}

std::vector<std::string_view> GgufValue::as_string_array() const {
  if (type_ != GgufValueType::ARRAY || array_type_ != GgufValueType::STRING) {
    fail("is " + std::string(gguf_value_type_name(type_)) + ", expected an array of strings");
  }
  std::vector<std::string_view> out;
  out.reserve(array_size_);  // validated: each element occupies at least 8 file bytes
  const uint8_t* p = payload_;
  for (uint64_t i = 0; i < array_size_; ++i) {
    const uint64_t len = load_le<uint64_t>(p);
    out.emplace_back(reinterpret_cast<const char*>(p + 8), static_cast<size_t>(len));
    p += 8 + len;
  }
  return out;
}

namespace {

// Element i of a fixed-size numeric array as (type, raw bits).
uint64_t element_bits(const uint8_t* payload, uint64_t fixed, uint64_t i) {
  uint64_t bits = 0;
  std::memcpy(&bits, payload + i * fixed, fixed);
  return bits;
}

}  // namespace

std::vector<float> GgufValue::as_f32_array() const {
  const bool numeric = is_integer(array_type_) || array_type_ == GgufValueType::FLOAT32 ||
                       array_type_ == GgufValueType::FLOAT64;
  if (type_ != GgufValueType::ARRAY || !numeric) {
    fail("is " + std::string(gguf_value_type_name(type_)) + " of " +
         std::string(gguf_value_type_name(array_type_)) + ", expected an array of numbers");
  }
  const uint64_t fixed = fixed_value_size(array_type_);
  std::vector<float> out(array_size_);
  for (uint64_t i = 0; i < array_size_; ++i) {
    out[i] = static_cast<float>(scalar_to_double(array_type_, element_bits(payload_, fixed, i)));
  }
  return out;
}

std::vector<int64_t> GgufValue::as_i64_array() const {
  if (type_ != GgufValueType::ARRAY || !is_integer(array_type_)) {
    fail("is " + std::string(gguf_value_type_name(type_)) + " of " +
         std::string(gguf_value_type_name(array_type_)) + ", expected an array of integers");
  }
  const uint64_t fixed = fixed_value_size(array_type_);
  const bool is_signed = is_signed_integer(array_type_);
  std::vector<int64_t> out(array_size_);
  for (uint64_t i = 0; i < array_size_; ++i) {
    const uint64_t bits = element_bits(payload_, fixed, i);
    if (!is_signed && bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail("element " + std::to_string(i) + " (" + std::to_string(bits) +
           ") does not fit in int64");
    }
    out[i] = is_signed ? signed_value(array_type_, bits) : static_cast<int64_t>(bits);
  }
  return out;
}

std::vector<int32_t> GgufValue::as_i32_array() const {
  const std::vector<int64_t> wide = as_i64_array();
  std::vector<int32_t> out(wide.size());
  for (size_t i = 0; i < wide.size(); ++i) {
    if (wide[i] < std::numeric_limits<int32_t>::min() ||
        wide[i] > std::numeric_limits<int32_t>::max()) {
      fail("element " + std::to_string(i) + " (" + std::to_string(wide[i]) +
           ") does not fit in int32");
    }
    out[i] = static_cast<int32_t>(wide[i]);
  }
  return out;
}

std::string GgufValue::to_display_string(size_t max_chars) const {
  switch (type_) {
    case GgufValueType::BOOL:
      return scalar_bits_ != 0 ? "true" : "false";
    case GgufValueType::FLOAT32:
    case GgufValueType::FLOAT64: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.9g", scalar_to_double(type_, scalar_bits_));
      return buf;
    }
    case GgufValueType::STRING: {
      // Built by appends: GCC 12 warns falsely (-Wrestrict) on "\"" + string.
      const std::string_view s = as_string();
      // Cut at a UTF-8 character boundary so the display stays valid text.
      size_t cut = std::min(max_chars, s.size());
      while (cut < s.size() && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) {
        --cut;
      }
      std::string out(1, '"');
      out.append(s.substr(0, cut));
      out += '"';
      if (s.size() > max_chars) out += "...";
      return out;
    }
    case GgufValueType::ARRAY: {
      std::string out(1, '[');
      out.append(gguf_value_type_name(array_type_));
      out.append(" \u00d7 ");
      out.append(std::to_string(array_size_));
      out += ']';
      return out;
    }
    default:
      return is_signed_integer(type_) ? std::to_string(signed_value(type_, scalar_bits_))
                                      : std::to_string(scalar_bits_);
  }
}

}  // namespace minke
