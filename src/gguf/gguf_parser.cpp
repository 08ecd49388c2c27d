// GgufParser: the validating reader behind GgufFile::open/parse. Every count,
// length and offset read from the file is checked against the bytes that
// remain before it is used, so hostile input fails with minke::Error.
#include <algorithm>
#include <limits>
#include <numeric>
#include <string>
#include <unordered_set>

#include "gguf/gguf_bytes.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_parser.h"

#include "minke/error.h"
#include "minke/terminal_text.h"

namespace minke {

using gguf_detail::fixed_value_size;
using gguf_detail::kMaxArrayDepth;
using gguf_detail::kMaxValueType;
using gguf_detail::load_le;
using gguf_detail::min_value_size;

namespace {

constexpr uint32_t kMaxDims = 4;  // ggml's GGML_MAX_DIMS
constexpr uint64_t kDefaultAlignment = 32;
// A tensor info is at least: name length (8), n_dims (4), one dim (8), type (4), offset (8).
constexpr uint64_t kMinTensorInfoSize = 32;
// A key/value pair is at least: key length (8), value type (4), a one-byte value.
constexpr uint64_t kMinKvSize = 13;

// A name or key as it appears in a message: cut to 80 bytes, with control
// bytes and invalid UTF-8 written as \xNN so the message stays one clean line.
std::string printable(std::string_view s) {
  return terminal_safe(s, TerminalSafeOptions{.max_bytes = 80});
}

bool mul_overflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

bool add_overflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_add_overflow(a, b, out);
}

}  // namespace

class GgufParser {
 public:
  GgufParser(GgufFile& file, std::span<const uint8_t> bytes) : f_(file), bytes_(bytes) {}

  void run() {
    read_header();
    for (uint64_t i = 0; i < n_kv_; ++i) read_kv(i);
    read_alignment();
    for (uint64_t i = 0; i < n_tensors_; ++i) read_tensor_info(i);
    place_tensors();
    build_indexes();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(f_.path_ + ": " + what); }

  uint64_t remaining() const { return bytes_.size() - pos_; }

  // Ensures n more bytes exist; `what` names the thing being read.
  void need(uint64_t n, const std::string& what) const {
    if (n > remaining()) {
      fail("file is truncated: " + what + " needs " + std::to_string(n) + " bytes at offset " +
           std::to_string(pos_) + ", only " + std::to_string(remaining()) + " remain (file size " +
           std::to_string(bytes_.size()) + ")");
    }
  }

  template <typename T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    const T v = load_le<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }

  std::string_view read_string(const std::string& what) {
    const uint64_t len = read<uint64_t>(what + " length");
    if (len > remaining()) {
      fail(what + " claims " + std::to_string(len) + " bytes at offset " + std::to_string(pos_) +
           " but only " + std::to_string(remaining()) + " remain (file size " +
           std::to_string(bytes_.size()) + ")");
    }
    const auto* p = reinterpret_cast<const char*>(bytes_.data() + pos_);
    pos_ += len;
    return {p, static_cast<size_t>(len)};
  }

  GgufValueType read_value_type(const std::string& what) {
    const uint32_t t = read<uint32_t>(what);
    if (t > kMaxValueType) fail(what + " is unknown: " + std::to_string(t));
    return static_cast<GgufValueType>(t);
  }

  void read_header() {
    if (bytes_.size() < 4) {
      fail("file is too small to be a GGUF file (" + std::to_string(bytes_.size()) + " bytes)");
    }
    if (std::memcmp(bytes_.data(), "GGUF", 4) != 0) {
      fail("not a GGUF file (the first bytes are '" +
           printable({reinterpret_cast<const char*>(bytes_.data()), 4}) + "', expected 'GGUF')");
    }
    pos_ = 4;
    const uint32_t version = read<uint32_t>("version");
    f_.version_ = version;
    if (version == 1) {
      fail(
          "GGUF version 1 is not supported (obsolete since 2023); re-convert the model with a "
          "current llama.cpp or gguf-py");
    }
    if (version != 2 && version != 3) {
      if (version == 0x02000000u || version == 0x03000000u) {
        fail("big-endian GGUF files are not supported");
      }
      fail("unsupported GGUF version " + std::to_string(version) + " (this build reads 2 and 3)");
    }
    n_tensors_ = read<uint64_t>("tensor count");
    n_kv_ = read<uint64_t>("metadata count");
    if (n_kv_ > remaining() / kMinKvSize) {
      fail("header claims " + std::to_string(n_kv_) + " metadata entries but the file has only " +
           std::to_string(remaining()) + " bytes left");
    }
    if (n_tensors_ > remaining() / kMinTensorInfoSize) {
      fail("header claims " + std::to_string(n_tensors_) + " tensors but the file has only " +
           std::to_string(remaining()) + " bytes left");
    }
  }

  void read_kv(uint64_t index) {
    const std::string where = "metadata entry " + std::to_string(index);
    const std::string_view key = read_string(where + " key");
    if (!is_clean_text(key)) fail(where + ": key '" + printable(key) + "' is not UTF-8 text");
    if (!seen_keys_.insert(key).second) fail("duplicate metadata key '" + printable(key) + "'");
    GgufValue v;
    v.file_ = &f_.path_;
    v.key_ = std::string(key);
    const std::string what = "key '" + printable(key) + "'";
    v.type_ = read_value_type(what + " value type");
    read_value(v, what, 0);
    f_.metadata_.push_back(std::move(v));
  }

  // Reads the value of v.type_ at pos_ into v (scalars decoded, strings and
  // arrays by reference), validating nested contents.
  void read_value(GgufValue& v, const std::string& what, int depth) {
    switch (v.type_) {
      case GgufValueType::STRING: {
        const std::string_view s = read_string(what + " string");
        v.payload_ = reinterpret_cast<const uint8_t*>(s.data());
        v.payload_size_ = s.size();
        return;
      }
      case GgufValueType::ARRAY: {
        v.array_type_ = read_value_type(what + " array element type");
        v.array_size_ = read<uint64_t>(what + " array length");
        v.payload_ = bytes_.data() + pos_;
        const uint64_t start = pos_;
        skip_array_elements(v.array_type_, v.array_size_, what, depth + 1);
        v.payload_size_ = pos_ - start;
        return;
      }
      default: {
        const uint64_t size = fixed_value_size(v.type_);
        need(size, what + " value");
        std::memcpy(&v.scalar_bits_, bytes_.data() + pos_, size);
        pos_ += size;
        return;
      }
    }
  }

  void skip_array_elements(GgufValueType type, uint64_t count, const std::string& what, int depth) {
    if (depth > kMaxArrayDepth) {
      fail(what + " nests arrays deeper than " + std::to_string(kMaxArrayDepth) + " levels");
    }
    const uint64_t min_size = min_value_size(type);
    if (count > remaining() / min_size) {
      fail(what + " array claims " + std::to_string(count) + " " +
           std::string(gguf_value_type_name(type)) + " elements at offset " + std::to_string(pos_) +
           " but only " + std::to_string(remaining()) +
           " bytes remain; the file is truncated or corrupt");
    }
    if (type == GgufValueType::STRING) {
      // The hot loop of a load (vocabularies of 250k strings): messages are
      // built only on failure.
      for (uint64_t i = 0; i < count; ++i) {
        if (remaining() < 8 || load_le<uint64_t>(bytes_.data() + pos_) > remaining() - 8) {
          read_string(what + " element " + std::to_string(i));  // throws the precise error
        }
        pos_ += 8 + load_le<uint64_t>(bytes_.data() + pos_);
      }
    } else if (type == GgufValueType::ARRAY) {
      for (uint64_t i = 0; i < count; ++i) {
        const std::string inner = what + " element " + std::to_string(i);
        const GgufValueType elem = read_value_type(inner + " array element type");
        const uint64_t n = read<uint64_t>(inner + " array length");
        skip_array_elements(elem, n, inner, depth + 1);
      }
    } else {
      pos_ += count * min_size;  // bounded by the check above
    }
  }

  void read_alignment() {
    const auto it = std::find_if(f_.metadata_.begin(), f_.metadata_.end(),
                                 [](const GgufValue& v) { return v.key_ == "general.alignment"; });
    if (it == f_.metadata_.end()) {
      f_.alignment_ = kDefaultAlignment;
      return;
    }
    if (!gguf_detail::is_integer(it->type_)) {
      fail("general.alignment is " + std::string(gguf_value_type_name(it->type_)) +
           ", expected an unsigned integer");
    }
    const uint64_t a = it->as_u64();
    if (a == 0 || (a & (a - 1)) != 0 || a > std::numeric_limits<uint32_t>::max()) {
      fail("general.alignment must be a nonzero power of two that fits in uint32, got " +
           std::to_string(a));
    }
    f_.alignment_ = a;
  }

  void read_tensor_info(uint64_t index) {
    GgufTensor t;
    const std::string_view name = read_string("tensor " + std::to_string(index) + " name");
    if (!seen_tensors_.insert(name).second) fail("duplicate tensor name '" + printable(name) + "'");
    t.name = std::string(name);
    const std::string what = "tensor '" + printable(name) + "'";
    const uint32_t n_dims = read<uint32_t>(what + " dimension count");
    if (n_dims == 0 || n_dims > kMaxDims) {
      fail(what + " has " + std::to_string(n_dims) + " dimensions (expected 1 to " +
           std::to_string(kMaxDims) + ")");
    }
    need(uint64_t{8} * n_dims, what + " dimensions");
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t ne = read<uint64_t>(what + " dimension");
      // Zero-sized dimensions are rejected: no model has an empty weight, and
      // ggml's own loader cannot handle them (it divides by each dimension).
      if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(what + " dimension " + std::to_string(d) + " is " +
             std::to_string(static_cast<int64_t>(ne)) + " (must be at least 1)");
      }
      if (mul_overflows(n_elements, ne, &n_elements) ||
          n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(what + " has too many elements (the product of its dimensions overflows int64)");
      }
      t.dims.push_back(static_cast<int64_t>(ne));
    }
    const uint32_t type_id = read<uint32_t>(what + " type");
    const std::optional<GgmlTypeInfo> info = ggml_type_info(type_id);
    if (!info) fail(what + " has unknown ggml type id " + std::to_string(type_id));
    t.type = info->type;
    const uint64_t ne0 = static_cast<uint64_t>(t.dims[0]);
    if (ne0 % info->block_size != 0) {
      fail(what + " of type " + std::string(info->name) + " has a row of " + std::to_string(ne0) +
           " elements, not a multiple of the block size " + std::to_string(info->block_size));
    }
    uint64_t n_bytes = 0;
    if (mul_overflows(n_elements / info->block_size, info->type_size, &n_bytes)) {
      fail(what + " byte size overflows 64 bits");
    }
    t.n_elements = n_elements;
    t.n_bytes = n_bytes;
    t.offset = read<uint64_t>(what + " data offset");
    if (t.offset % f_.alignment_ != 0) {
      fail(what + " data offset " + std::to_string(t.offset) +
           " is not a multiple of the "
           "alignment " +
           std::to_string(f_.alignment_));
    }
    f_.tensors_.push_back(std::move(t));
  }

  void place_tensors() {
    uint64_t data_offset = 0;
    const uint64_t a = f_.alignment_;
    if (add_overflows(pos_, a - 1, &data_offset)) fail("data section offset overflows");
    data_offset -= data_offset % a;
    f_.data_offset_ = data_offset;
    const uint64_t file_size = bytes_.size();
    for (GgufTensor& t : f_.tensors_) {
      uint64_t start = 0;
      uint64_t end = 0;
      if (add_overflows(data_offset, t.offset, &start) || add_overflows(start, t.n_bytes, &end) ||
          end > file_size) {
        fail("tensor '" + printable(t.name) + "' extends past end of file (offset " +
             std::to_string(data_offset) + " + " + std::to_string(t.offset) + ", size " +
             std::to_string(t.n_bytes) + ", file size " + std::to_string(file_size) +
             "); the file is truncated or corrupt");
      }
      t.data = bytes_.data() + start;
    }
    // Overlap check: sort by offset, each tensor must end before the next starts.
    std::vector<size_t> order(f_.tensors_.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return f_.tensors_[x].offset < f_.tensors_[y].offset; });
    for (size_t i = 1; i < order.size(); ++i) {
      const GgufTensor& prev = f_.tensors_[order[i - 1]];
      const GgufTensor& cur = f_.tensors_[order[i]];
      if (prev.offset + prev.n_bytes > cur.offset) {
        fail("tensors '" + printable(prev.name) + "' (offset " + std::to_string(prev.offset) +
             ", size " + std::to_string(prev.n_bytes) + ") and '" + printable(cur.name) +
             "' (offset " + std::to_string(cur.offset) + ") overlap");
      }
    }
  }

  void build_indexes() {
    for (size_t i = 0; i < f_.metadata_.size(); ++i) f_.key_index_.emplace(f_.metadata_[i].key_, i);
    for (size_t i = 0; i < f_.tensors_.size(); ++i)
      f_.tensor_index_.emplace(f_.tensors_[i].name, i);
  }

  GgufFile& f_;
  std::span<const uint8_t> bytes_;
  uint64_t pos_ = 0;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
  std::unordered_set<std::string_view> seen_keys_;     // views into the file bytes
  std::unordered_set<std::string_view> seen_tensors_;  // views into the file bytes
};

void parse_gguf_into(GgufFile& file, std::span<const uint8_t> bytes) {
  GgufParser(file, bytes).run();
}

}  // namespace minke
