// GgufWriter: builds a GGUF v3 file (metadata of every value type, nested
// arrays, tensors with alignment) in memory or on disk. Used by tests to build
// corpora and by `minke quantize/convert`. The output reads back with GgufFile
// and with gguf-py / llama.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "gguf/ggml_type.h"
#include "gguf/gguf_file.h"

namespace minke {

// One metadata value to write: a scalar, a string or an array (arrays may hold
// arrays). Holds its GGUF encoding, without the leading value-type tag.
class GgufWriteValue {
 public:
  static GgufWriteValue u8(uint8_t v);
  static GgufWriteValue i8(int8_t v);
  static GgufWriteValue u16(uint16_t v);
  static GgufWriteValue i16(int16_t v);
  static GgufWriteValue u32(uint32_t v);
  static GgufWriteValue i32(int32_t v);
  static GgufWriteValue f32(float v);
  static GgufWriteValue boolean(bool v);
  static GgufWriteValue string(std::string_view v);
  static GgufWriteValue u64(uint64_t v);
  static GgufWriteValue i64(int64_t v);
  static GgufWriteValue f64(double v);
  // An array whose elements all have `element_type` (MINKE_CHECKed).
  static GgufWriteValue array(GgufValueType element_type,
                              const std::vector<GgufWriteValue>& elements);
  // Arrays of numbers, of strings.
  template <typename T>
  static GgufWriteValue array_of(std::span<const T> values);
  static GgufWriteValue string_array(std::span<const std::string> values);
  static GgufWriteValue string_array(std::span<const std::string_view> values);
  // The same value as one read from a file (any type, nested arrays too), for
  // tools that copy metadata from one GGUF file into another.
  static GgufWriteValue copy_of(const GgufValue& value);

  GgufValueType type() const { return type_; }
  const std::vector<uint8_t>& encoded() const { return encoded_; }

 private:
  GgufWriteValue(GgufValueType type, std::vector<uint8_t> encoded)
      : type_(type), encoded_(std::move(encoded)) {}
  GgufValueType type_;
  std::vector<uint8_t> encoded_;
};

class GgufWriter {
 public:
  GgufWriter() = default;

  // Sets the data alignment (a power of two) and records it as the
  // general.alignment key, as gguf-py does; 32 is the default without a key.
  void set_alignment(uint32_t alignment);
  uint32_t alignment() const { return alignment_; }

  // Metadata in insertion order; a duplicate key throws minke::Error.
  void add(std::string_view key, GgufWriteValue value);
  void add_u32(std::string_view key, uint32_t v) { add(key, GgufWriteValue::u32(v)); }
  void add_i32(std::string_view key, int32_t v) { add(key, GgufWriteValue::i32(v)); }
  void add_u64(std::string_view key, uint64_t v) { add(key, GgufWriteValue::u64(v)); }
  void add_f32(std::string_view key, float v) { add(key, GgufWriteValue::f32(v)); }
  void add_bool(std::string_view key, bool v) { add(key, GgufWriteValue::boolean(v)); }
  void add_string(std::string_view key, std::string_view v) { add(key, GgufWriteValue::string(v)); }

  // Tensors in insertion order, each at the next aligned offset. `data` must
  // hold exactly the bytes the type and dims imply (ne[0] first); the first
  // form copies it, add_tensor_view keeps a view (data must outlive the writer).
  // Invalid shapes, sizes or duplicate names throw minke::Error.
  void add_tensor(std::string_view name, GgmlType type, std::vector<int64_t> dims,
                  std::span<const uint8_t> data);
  void add_tensor_view(std::string_view name, GgmlType type, std::vector<int64_t> dims,
                       std::span<const uint8_t> data);
  // A tensor whose bytes are made while the file is written, so `minke quantize` and `minke
  // convert` never hold more than a slab of a model: `produce` is called once, in tensor order,
  // and must hand `sink` exactly the bytes the type and dims imply, in pieces of any size
  // (anything else throws minke::Error naming the tensor).
  using TensorSink = std::function<void(std::span<const uint8_t>)>;
  using TensorProducer = std::function<void(const TensorSink& sink)>;
  void add_tensor_streamed(std::string_view name, GgmlType type, std::vector<int64_t> dims,
                           TensorProducer produce);
  size_t tensor_count() const { return tensors_.size(); }

  // The whole file; or written to `path` (throws minke::Error on I/O failure). write_file
  // writes `path`.part and renames it over `path` only once every byte is on disk, so a full
  // disk, a failed producer or a killed process never leaves a truncated model under the name
  // (nor replaces a good one); the part file is removed on error.
  std::vector<uint8_t> to_bytes() const;
  void write_file(const std::string& path) const;

 private:
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<int64_t> dims;
    std::vector<uint8_t> owned;
    std::span<const uint8_t> data;
    uint64_t n_bytes = 0;
    TensorProducer produce;  // set for streamed tensors (data is then empty)
  };
  // Passes t's bytes to `out` piece by piece, checking a producer's total.
  static void emit(const Tensor& t, const TensorSink& out);
  struct Kv {
    std::string key;
    GgufWriteValue value;
  };
  Tensor& add_tensor_info(std::string_view name, GgmlType type, std::vector<int64_t> dims,
                          size_t n_bytes);
  // Everything before the data section, padded to the alignment; offsets are
  // assigned here so set_alignment() may come at any time.
  std::vector<uint8_t> header_bytes() const;
  uint64_t padded(uint64_t n) const { return (n + alignment_ - 1) / alignment_ * alignment_; }

  uint32_t alignment_ = 32;
  std::vector<Kv> metadata_;
  std::vector<Tensor> tensors_;
  std::unordered_set<std::string> keys_;
  std::unordered_set<std::string> tensor_names_;
};

}  // namespace minke
