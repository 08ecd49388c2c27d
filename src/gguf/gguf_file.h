// GgufFile: a GGUF (v2 or v3) file opened read-only with zero-copy access.
// Every count, length, offset and size in the file is validated while opening;
// a truncated, corrupt or hostile file throws minke::Error("<path>: <what>")
// and never causes a crash, a hang or an allocation larger than the file.
// Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
//
// What the reader accepts (decisions where the spec is loose):
// - v2 and v3, little-endian; v1 and big-endian files are rejected by name.
// - general.alignment (default 32): any integer type, a power of two in [1, 2^31].
// - keys and tensor names are byte strings: any bytes (non-UTF-8 too) are
//   accepted, messages show them escaped; duplicates are rejected.
// - arrays may nest up to 8 levels (gguf-py writes nested lists; ggml none).
// - tensors: 1 to 4 dimensions (GGML_MAX_DIMS), each >= 1 (ggml divides by
//   them, so 0 is rejected), element count < 2^63, ne[0] a multiple of the
//   type's block size; offsets aligned, inside the file, not overlapping. Gaps
//   between tensors are allowed; the last tensor need not be padded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/ggml_type.h"

namespace minke {

class MappedFile;

// Metadata value types, numbered as in the GGUF spec.
enum class GgufValueType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};
std::string_view gguf_value_type_name(GgufValueType type);

// One metadata value. Scalars are decoded while opening; strings and arrays are
// views into the mapped file (valid while the GgufFile lives).
class GgufValue {
 public:
  GgufValueType type() const { return type_; }
  // For arrays: element type and count. Nested arrays are allowed by the spec;
  // their elements can be read with array_at().
  GgufValueType array_type() const { return array_type_; }
  uint64_t array_size() const { return array_size_; }

  // Scalar accessors; each throws minke::Error naming the key on a type
  // mismatch. Integer getters accept any integer type whose value fits.
  bool as_bool() const;
  uint64_t as_u64() const;
  int64_t as_i64() const;
  uint32_t as_u32() const;
  int32_t as_i32() const;
  double as_f64() const;  // any numeric type
  float as_f32() const;   // any numeric type
  std::string_view as_string() const;

  // Array accessors; they copy into vectors sized by the validated element
  // count. as_f32_array takes any numeric element type; the integer ones take
  // any integer element type whose values fit (else minke::Error).
  std::vector<std::string_view> as_string_array() const;
  std::vector<float> as_f32_array() const;
  std::vector<int32_t> as_i32_array() const;
  std::vector<int64_t> as_i64_array() const;
  GgufValue array_at(uint64_t index) const;  // any element, any type

  // A short human rendering (for `minke info`): scalars in full, strings
  // quoted and cut to max_chars, arrays as "[type × n]".
  std::string to_display_string(size_t max_chars = 60) const;

  const std::string& key() const { return key_; }

 private:
  friend class GgufFile;
  friend class GgufParser;
  friend class GgufWriteValue;
  [[noreturn]] void fail(const std::string& what) const;
  const std::string* file_ = nullptr;  // the owning file's path, for error messages
  std::string key_;
  GgufValueType type_ = GgufValueType::UINT8;
  GgufValueType array_type_ = GgufValueType::UINT8;
  uint64_t array_size_ = 0;
  uint64_t scalar_bits_ = 0;          // scalar value, raw little-endian bits
  const uint8_t* payload_ = nullptr;  // strings: bytes; arrays: first element
  uint64_t payload_size_ = 0;         // strings: length; arrays: bytes in the array
};

struct GgufTensor {
  std::string name;
  GgmlType type;
  std::vector<int64_t> dims;  // ne[0] is the innermost (contiguous) dimension
  uint64_t offset = 0;        // from the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // into the mapping, aligned as the file says
};

class GgufFile {
 public:
  // Opens and validates the file (throws minke::Error).
  static std::unique_ptr<GgufFile> open(const std::string& path);
  // Parses bytes already in memory (used by tests and the fuzzer). `name` is
  // used in error messages. The bytes must outlive the GgufFile.
  static std::unique_ptr<GgufFile> parse(std::span<const uint8_t> bytes, const std::string& name);
  ~GgufFile();

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return bytes_.size(); }

  // Metadata, in file order.
  const std::vector<GgufValue>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;  // nullptr when absent
  const GgufValue& get(std::string_view key) const;   // throws "<path>: missing key <key>"

  // Typed lookups with defaults for optional keys (type errors still throw).
  std::string_view get_string(std::string_view key, std::string_view fallback) const;
  uint64_t get_u64(std::string_view key, uint64_t fallback) const;
  uint32_t get_u32(std::string_view key, uint32_t fallback) const;
  float get_f32(std::string_view key, float fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;

  const std::vector<GgufTensor>& tensors() const { return tensors_; }
  const GgufTensor* find_tensor(std::string_view name) const;  // nullptr when absent
  // Bytes [p, p + n) of the file are no longer needed in memory (the backend keeps its own
  // copy): drops their whole pages from the resident set when the file is mapped (they are read
  // again if touched); a no-op for parse()d bytes.
  void release_pages(const void* p, size_t n) const;

 private:
  friend class GgufParser;
  friend void parse_gguf_into(GgufFile& file, std::span<const uint8_t> bytes);
  GgufFile() = default;
  std::string path_;
  std::unique_ptr<MappedFile> file_;
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
  // Lookup indexes; the views point into metadata_ keys and tensors_ names.
  std::unordered_map<std::string_view, size_t> key_index_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace minke
