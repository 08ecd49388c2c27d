// libFuzzer target for the GGUF reader: parse arbitrary bytes, then touch every
// metadata value and tensor through the public accessors. Only minke::Error
// may escape the parser; sanitizers catch the rest.
#include <cstddef>
#include <cstdint>
#include <span>

#include "gguf/gguf_file.h"
#include "minke/error.h"

namespace {

// Reads a value the way a model loader would; type mismatches throw
// minke::Error, which is fine. Nested arrays recurse (depth is bounded by the
// reader); element reads are capped so quadratic array_at walks stay cheap.
void touch(const minke::GgufValue& v) {
  using minke::GgufValueType;
  (void)v.to_display_string();
  switch (v.type()) {
    case GgufValueType::STRING:
      (void)v.as_string().size();
      return;
    case GgufValueType::BOOL:
      (void)v.as_bool();
      return;
    case GgufValueType::ARRAY:
      break;
    default:
      (void)v.as_f64();
      (void)v.as_f32();
      try {
        (void)v.as_i64();
        (void)v.as_u32();
        (void)v.as_i32();
      } catch (const minke::Error&) {
      }
      try {
        (void)v.as_u64();
      } catch (const minke::Error&) {
      }
      return;
  }
  try {
    switch (v.array_type()) {
      case GgufValueType::STRING:
        for (const auto s : v.as_string_array()) (void)s.size();
        break;
      case GgufValueType::ARRAY:
      case GgufValueType::BOOL:
        break;
      case GgufValueType::FLOAT32:
      case GgufValueType::FLOAT64:
        (void)v.as_f32_array();
        break;
      default:
        (void)v.as_f32_array();
        (void)v.as_i64_array();
        (void)v.as_i32_array();
    }
  } catch (const minke::Error&) {
  }
  const uint64_t n = v.array_size() < 64 ? v.array_size() : 64;
  for (uint64_t i = 0; i < n; ++i) touch(v.array_at(i));
  if (v.array_size() > 0) touch(v.array_at(v.array_size() - 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<minke::GgufFile> f;
  try {
    f = minke::GgufFile::parse(std::span<const uint8_t>(data, size), "fuzz.gguf");
  } catch (const minke::Error&) {
    return 0;
  }
  (void)f->version();
  (void)f->alignment();
  (void)f->data_offset();
  for (const minke::GgufValue& v : f->metadata()) {
    if (f->find(v.key()) != &v) __builtin_trap();
    try {
      touch(v);
    } catch (const minke::Error&) {
    }
  }
  try {
    (void)f->get_u32("general.alignment", 0);
    (void)f->get_string("general.architecture", "");
  } catch (const minke::Error&) {
  }
  uint64_t checksum = 0;
  for (const minke::GgufTensor& t : f->tensors()) {
    if (f->find_tensor(t.name) != &t) __builtin_trap();
    const minke::GgmlTypeInfo& info = minke::ggml_type_info(t.type);
    (void)info.name;
    // Every byte of every tensor must be readable (ASan checks the bounds).
    for (uint64_t i = 0; i < t.n_bytes; ++i) checksum += t.data[i];
    if (t.data < data || t.data + t.n_bytes > data + size) __builtin_trap();
  }
  return static_cast<int>(checksum & 0);
}
