// GgufWriter: GGUF v3 serialisation (header, metadata, tensor infos, aligned
// tensor data), following the layout gguf-py's GGUFWriter produces.
#include "gguf/gguf_writer.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>

#include "core/check.h"
#include "gguf/gguf_bytes.h"
#include "minke/error.h"

namespace minke {
namespace {

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  static_assert(std::endian::native == std::endian::little);
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}

void put_string(std::vector<uint8_t>& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

template <typename T>
std::vector<uint8_t> scalar(T v) {
  std::vector<uint8_t> out;
  put<T>(out, v);
  return out;
}

template <typename T>
constexpr GgufValueType value_type_of() {
  if constexpr (std::is_same_v<T, uint8_t>) return GgufValueType::UINT8;
  if constexpr (std::is_same_v<T, int8_t>) return GgufValueType::INT8;
  if constexpr (std::is_same_v<T, uint16_t>) return GgufValueType::UINT16;
  if constexpr (std::is_same_v<T, int16_t>) return GgufValueType::INT16;
  if constexpr (std::is_same_v<T, uint32_t>) return GgufValueType::UINT32;
  if constexpr (std::is_same_v<T, int32_t>) return GgufValueType::INT32;
  if constexpr (std::is_same_v<T, float>) return GgufValueType::FLOAT32;
  if constexpr (std::is_same_v<T, bool>) return GgufValueType::BOOL;
  if constexpr (std::is_same_v<T, uint64_t>) return GgufValueType::UINT64;
  if constexpr (std::is_same_v<T, int64_t>) return GgufValueType::INT64;
  if constexpr (std::is_same_v<T, double>) return GgufValueType::FLOAT64;
}

}  // namespace

GgufWriteValue GgufWriteValue::u8(uint8_t v) { return {GgufValueType::UINT8, scalar(v)}; }
GgufWriteValue GgufWriteValue::i8(int8_t v) { return {GgufValueType::INT8, scalar(v)}; }
GgufWriteValue GgufWriteValue::u16(uint16_t v) { return {GgufValueType::UINT16, scalar(v)}; }
GgufWriteValue GgufWriteValue::i16(int16_t v) { return {GgufValueType::INT16, scalar(v)}; }
GgufWriteValue GgufWriteValue::u32(uint32_t v) { return {GgufValueType::UINT32, scalar(v)}; }
GgufWriteValue GgufWriteValue::i32(int32_t v) { return {GgufValueType::INT32, scalar(v)}; }
GgufWriteValue GgufWriteValue::f32(float v) { return {GgufValueType::FLOAT32, scalar(v)}; }
GgufWriteValue GgufWriteValue::boolean(bool v) {
  return {GgufValueType::BOOL, scalar<uint8_t>(v ? 1 : 0)};
}
GgufWriteValue GgufWriteValue::u64(uint64_t v) { return {GgufValueType::UINT64, scalar(v)}; }
GgufWriteValue GgufWriteValue::i64(int64_t v) { return {GgufValueType::INT64, scalar(v)}; }
GgufWriteValue GgufWriteValue::f64(double v) { return {GgufValueType::FLOAT64, scalar(v)}; }

GgufWriteValue GgufWriteValue::string(std::string_view v) {
  std::vector<uint8_t> out;
  put_string(out, v);
  return {GgufValueType::STRING, std::move(out)};
}

GgufWriteValue GgufWriteValue::array(GgufValueType element_type,
                                     const std::vector<GgufWriteValue>& elements) {
  std::vector<uint8_t> out;
  put<uint32_t>(out, static_cast<uint32_t>(element_type));
  put<uint64_t>(out, elements.size());
  for (const GgufWriteValue& e : elements) {
    MINKE_CHECK(e.type_ == element_type);
    out.insert(out.end(), e.encoded_.begin(), e.encoded_.end());
  }
  return {GgufValueType::ARRAY, std::move(out)};
}

template <typename T>
GgufWriteValue GgufWriteValue::array_of(std::span<const T> values) {
  std::vector<uint8_t> out;
  put<uint32_t>(out, static_cast<uint32_t>(value_type_of<T>()));
  put<uint64_t>(out, values.size());
  for (const T v : values) {
    if constexpr (std::is_same_v<T, bool>) {
      put<uint8_t>(out, v ? 1 : 0);
    } else {
      put<T>(out, v);
    }
  }
  return {GgufValueType::ARRAY, std::move(out)};
}

template GgufWriteValue GgufWriteValue::array_of(std::span<const uint8_t>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const int8_t>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const uint16_t>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const int16_t>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const uint32_t>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const int32_t>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const float>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const bool>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const uint64_t>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const int64_t>);
template GgufWriteValue GgufWriteValue::array_of(std::span<const double>);

GgufWriteValue GgufWriteValue::string_array(std::span<const std::string> values) {
  std::vector<uint8_t> out;
  put<uint32_t>(out, static_cast<uint32_t>(GgufValueType::STRING));
  put<uint64_t>(out, values.size());
  for (const std::string& v : values) put_string(out, v);
  return {GgufValueType::ARRAY, std::move(out)};
}

GgufWriteValue GgufWriteValue::string_array(std::span<const std::string_view> values) {
  std::vector<uint8_t> out;
  put<uint32_t>(out, static_cast<uint32_t>(GgufValueType::STRING));
  put<uint64_t>(out, values.size());
  for (const std::string_view v : values) put_string(out, v);
  return {GgufValueType::ARRAY, std::move(out)};
}

GgufWriteValue GgufWriteValue::copy_of(const GgufValue& value) {
  std::vector<uint8_t> out;
  switch (value.type_) {
    case GgufValueType::STRING:
      put<uint64_t>(out, value.payload_size_);
      out.insert(out.end(), value.payload_, value.payload_ + value.payload_size_);
      break;
    case GgufValueType::ARRAY:
      put<uint32_t>(out, static_cast<uint32_t>(value.array_type_));
      put<uint64_t>(out, value.array_size_);
      out.insert(out.end(), value.payload_, value.payload_ + value.payload_size_);
      break;
    default: {
      const auto* bits = reinterpret_cast<const uint8_t*>(&value.scalar_bits_);
      out.assign(bits, bits + gguf_detail::fixed_value_size(value.type_));
    }
  }
  return {value.type_, std::move(out)};
}

void GgufWriter::set_alignment(uint32_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    throw Error("gguf writer: alignment must be a nonzero power of two, got " +
                std::to_string(alignment));
  }
  alignment_ = alignment;
  for (Kv& kv : metadata_) {
    if (kv.key == "general.alignment") {
      kv.value = GgufWriteValue::u32(alignment);
      return;
    }
  }
  add_u32("general.alignment", alignment);
}

void GgufWriter::add(std::string_view key, GgufWriteValue value) {
  if (!keys_.emplace(key).second) {
    throw Error("gguf writer: duplicate metadata key '" + std::string(key) + "'");
  }
  metadata_.push_back(Kv{std::string(key), std::move(value)});
}

GgufWriter::Tensor& GgufWriter::add_tensor_info(std::string_view name, GgmlType type,
                                                std::vector<int64_t> dims, size_t n_bytes) {
  const std::string what = "gguf writer: tensor '" + std::string(name) + "'";
  if (dims.empty() || dims.size() > 4) {
    throw Error(what + " must have 1 to 4 dimensions, got " + std::to_string(dims.size()));
  }
  const GgmlTypeInfo& info = ggml_type_info(type);
  uint64_t n_elements = 1;
  for (const int64_t d : dims) {
    if (d < 1) throw Error(what + " has a dimension of " + std::to_string(d));
    if (__builtin_mul_overflow(n_elements, static_cast<uint64_t>(d), &n_elements)) {
      throw Error(what + " has too many elements");
    }
  }
  if (dims[0] % info.block_size != 0) {
    throw Error(what + " row of " + std::to_string(dims[0]) +
                " elements is not a multiple of the block size " + std::to_string(info.block_size));
  }
  const uint64_t expected = n_elements / info.block_size * info.type_size;
  if (expected != n_bytes) {
    throw Error(what + " of type " + std::string(info.name) + " needs " + std::to_string(expected) +
                " bytes, got " + std::to_string(n_bytes));
  }
  if (!tensor_names_.emplace(name).second) {
    throw Error("gguf writer: duplicate tensor name '" + std::string(name) + "'");
  }
  tensors_.push_back(Tensor{std::string(name), type, std::move(dims), {}, {}, n_bytes, {}});
  return tensors_.back();
}

void GgufWriter::add_tensor(std::string_view name, GgmlType type, std::vector<int64_t> dims,
                            std::span<const uint8_t> data) {
  Tensor& t = add_tensor_info(name, type, std::move(dims), data.size());
  t.owned.assign(data.begin(), data.end());
  t.data = t.owned;
}

void GgufWriter::add_tensor_view(std::string_view name, GgmlType type, std::vector<int64_t> dims,
                                 std::span<const uint8_t> data) {
  add_tensor_info(name, type, std::move(dims), data.size()).data = data;
}

void GgufWriter::add_tensor_streamed(std::string_view name, GgmlType type,
                                     std::vector<int64_t> dims, TensorProducer produce) {
  MINKE_CHECK(produce != nullptr);
  const GgmlTypeInfo& info = ggml_type_info(type);
  uint64_t n_elements = 1;
  for (const int64_t d : dims) {
    if (d < 1 || __builtin_mul_overflow(n_elements, static_cast<uint64_t>(d), &n_elements)) {
      n_elements = 0;  // add_tensor_info names the bad dimension
      break;
    }
  }
  const uint64_t n_bytes = n_elements / info.block_size * info.type_size;
  add_tensor_info(name, type, std::move(dims), n_bytes).produce = std::move(produce);
}

void GgufWriter::emit(const Tensor& t, const TensorSink& out) {
  if (!t.produce) {
    out(t.data);
    return;
  }
  uint64_t written = 0;
  t.produce([&](std::span<const uint8_t> piece) {
    if (piece.size() > t.n_bytes - written) {
      throw Error("gguf writer: tensor '" + t.name + "' produced more than its " +
                  std::to_string(t.n_bytes) + " bytes");
    }
    written += piece.size();
    out(piece);
  });
  if (written != t.n_bytes) {
    throw Error("gguf writer: tensor '" + t.name + "' produced " + std::to_string(written) +
                " of its " + std::to_string(t.n_bytes) + " bytes");
  }
}

std::vector<uint8_t> GgufWriter::header_bytes() const {
  std::vector<uint8_t> out;
  put<uint32_t>(out, 0x46554747);  // "GGUF"
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, metadata_.size());
  for (const Kv& kv : metadata_) {
    put_string(out, kv.key);
    put<uint32_t>(out, static_cast<uint32_t>(kv.value.type()));
    out.insert(out.end(), kv.value.encoded().begin(), kv.value.encoded().end());
  }
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.dims.size()));
    for (const int64_t d : t.dims) put<int64_t>(out, d);
    put<uint32_t>(out, static_cast<uint32_t>(t.type));
    put<uint64_t>(out, offset);
    offset += padded(t.n_bytes);
  }
  out.resize(padded(out.size()), 0);
  return out;
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
  std::vector<uint8_t> out = header_bytes();
  for (const Tensor& t : tensors_) {
    emit(t, [&](std::span<const uint8_t> piece) {
      out.insert(out.end(), piece.begin(), piece.end());
    });
    out.resize(padded(out.size()), 0);  // the data section starts aligned, so this pads t
  }
  return out;
}

void GgufWriter::write_file(const std::string& path) const {
  const std::string part = path + ".part";
  const auto closer = [](std::FILE* f) { std::fclose(f); };
  std::unique_ptr<std::FILE, decltype(closer)> f(std::fopen(part.c_str(), "wb"), closer);
  if (!f) throw Error(part + ": cannot create: " + std::strerror(errno));
  try {
    const auto write = [&](const uint8_t* p, size_t n) {
      if (n != 0 && std::fwrite(p, 1, n, f.get()) != n) {
        throw Error(part + ": write failed: " + std::strerror(errno));
      }
    };
    const std::vector<uint8_t> header = header_bytes();
    write(header.data(), header.size());
    static constexpr uint8_t kZeros[64] = {};
    for (const Tensor& t : tensors_) {
      emit(t, [&](std::span<const uint8_t> piece) { write(piece.data(), piece.size()); });
      for (uint64_t pad = padded(t.n_bytes) - t.n_bytes; pad > 0;) {
        const size_t n = std::min<uint64_t>(pad, sizeof(kZeros));
        write(kZeros, n);
        pad -= n;
      }
    }
    if (std::fflush(f.get()) != 0 || std::fclose(f.release()) != 0) {
      throw Error(part + ": write failed: " + std::strerror(errno));
    }
    if (std::rename(part.c_str(), path.c_str()) != 0) {
      throw Error(path + ": cannot rename " + part + " to it: " + std::strerror(errno));
    }
  } catch (...) {
    f.reset();
    std::remove(part.c_str());
    throw;
  }
}

}  // namespace minke
