// Broken-file corpus for the GGUF reader: truncations, hostile counts and
// lengths, nesting bombs, bad shapes, types, offsets and alignments. Each must
// throw minke::Error naming the file (never crash, hang or allocate hugely).
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "minke/error.h"

namespace minke {
namespace {

constexpr const char* kName = "corrupt.gguf";
constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

// Hand-assembles GGUF bytes, valid or not.
class Raw {
 public:
  Raw& u32(uint32_t v) { return put(&v, 4); }
  Raw& u64(uint64_t v) { return put(&v, 8); }
  Raw& str(std::string_view s) {
    u64(s.size());
    return put(s.data(), s.size());
  }
  Raw& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    put("GGUF", 4);
    u32(version);
    u64(n_tensors);
    return u64(n_kv);
  }
  Raw& kv_u32(std::string_view key, uint32_t v) {
    str(key);
    u32(4);
    return u32(v);
  }
  Raw& tensor(std::string_view name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    str(name);
    u32(static_cast<uint32_t>(dims.size()));
    for (const uint64_t d : dims) u64(d);
    u32(type);
    return u64(offset);
  }
  Raw& pad(size_t alignment) {
    bytes_.resize((bytes_.size() + alignment - 1) / alignment * alignment, 0);
    return *this;
  }
  Raw& zeros(size_t n) {
    bytes_.resize(bytes_.size() + n, 0);
    return *this;
  }
  Raw& put(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Parses and expects minke::Error whose message names the file and contains
// `needle`.
void expect_error(const std::vector<uint8_t>& bytes, const std::string& needle) {
  try {
    GgufFile::parse(bytes, kName);
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(std::string(kName) + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

// A small valid file whose last tensor ends exactly at end of file, so every
// strict prefix is invalid.
std::vector<uint8_t> valid_file() {
  GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_u32("llama.block_count", 2);
  const std::vector<std::string> tokens = {"<s>", "a", "bc"};
  w.add("tokenizer.ggml.tokens", GgufWriteValue::string_array(tokens));
  const std::vector<float> scores = {0.f, -1.f, -2.f};
  w.add("tokenizer.ggml.scores", GgufWriteValue::array_of<float>(scores));
  const std::vector<uint8_t> q(2 * 18, 0x11);
  w.add_tensor("blk.0.attn_q.weight", GgmlType::Q4_0, {32, 2}, q);
  const std::vector<uint8_t> f(32 * 4, 0x22);
  w.add_tensor("output_norm.weight", GgmlType::F32, {32}, f);  // 128 bytes: no trailing pad
  return w.to_bytes();
}

TEST(GgufCorrupt, ValidBaseParses) {
  const std::vector<uint8_t> bytes = valid_file();
  const auto f = GgufFile::parse(bytes, kName);
  EXPECT_EQ(f->tensors().size(), 2u);
  EXPECT_EQ(f->tensors().back().offset + f->tensors().back().n_bytes + f->data_offset(),
            bytes.size());
}

TEST(GgufCorrupt, EveryTruncationThrows) {
  const std::vector<uint8_t> bytes = valid_file();
  for (size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE("truncated to " + std::to_string(n) + " bytes");
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
    try {
      GgufFile::parse(cut, kName);
      ADD_FAILURE() << "parsed";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string(kName) + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(GgufCorrupt, BadMagicAndVersions) {
  expect_error({}, "too small");
  expect_error({'G', 'G', 'U'}, "too small");
  expect_error(Raw().put("GGML", 4).u32(3).u64(0).u64(0).bytes(), "not a GGUF file");
  expect_error(Raw().header(0, 0, 1).bytes(), "version 1 is not supported");
  expect_error(Raw().header(0, 0, 4).bytes(), "unsupported GGUF version 4");
  expect_error(Raw().header(0, 0, 0xffffffffu).bytes(), "unsupported GGUF version 4294967295");
  expect_error(Raw().header(0, 0, 0x03000000u).bytes(), "big-endian");
  expect_error(Raw().put("GGUF", 4).u32(3).bytes(), "tensor count");
  EXPECT_NO_THROW(GgufFile::parse(Raw().header(0, 0, 2).bytes(), kName));  // v2 is read
}

TEST(GgufCorrupt, AbsurdCounts) {
  expect_error(Raw().header(uint64_t{1} << 63, 0).bytes(), "9223372036854775808 tensors");
  expect_error(Raw().header(0, uint64_t{1} << 63).bytes(), "9223372036854775808 metadata");
  expect_error(Raw().header(kMax64, kMax64).bytes(), "metadata entries");
  expect_error(Raw().header(0, 2).kv_u32("a", 1).u64(100).zeros(12).bytes(),
               "metadata entry 1 key claims 100 bytes");
  expect_error(Raw().header(0, 2).kv_u32("a", 1).u64(1).put("b", 1).u32(10).zeros(5).bytes(),
               "file is truncated: key 'b' value needs 8 bytes");
}

TEST(GgufCorrupt, HugeStringLengths) {
  expect_error(Raw().header(0, 1).u64(kMax64).zeros(16).bytes(), "metadata entry 0 key claims");
  expect_error(Raw().header(0, 1).str("k").u32(8).u64(uint64_t{1} << 62).zeros(8).bytes(),
               "key 'k' string claims 4611686018427387904 bytes");
  expect_error(Raw().header(1, 0).u64(kMax64 - 3).zeros(40).bytes(), "tensor 0 name claims");
}

TEST(GgufCorrupt, HugeArrayCounts) {
  for (const uint32_t elem : {0u, 4u, 10u, 12u, 7u}) {
    expect_error(Raw().header(0, 1).str("k").u32(9).u32(elem).u64(kMax64 / 2).zeros(64).bytes(),
                 "array claims 9223372036854775807");
  }
  expect_error(Raw().header(0, 1).str("k").u32(9).u32(8).u64(1000).zeros(64).bytes(),
               "array claims 1000 string elements");
  expect_error(Raw().header(0, 1).str("k").u32(9).u32(9).u64(uint64_t{1} << 40).zeros(64).bytes(),
               "array claims 1099511627776 array elements");
  // Within budget but the strings inside are too long.
  expect_error(
      Raw().header(0, 1).str("k").u32(9).u32(8).u64(2).u64(3).put("abc", 3).u64(kMax64).bytes(),
      "element 1 claims");
}

// Arrays of arrays nested `depth` levels, each holding one element, ending in
// an empty uint8 array.
std::vector<uint8_t> nested(int depth) {
  Raw r;
  r.header(0, 1).str("nest").u32(9);
  for (int i = 1; i < depth; ++i) r.u32(9).u64(1);
  r.u32(0).u64(0);
  return r.bytes();
}

TEST(GgufCorrupt, NestingBombs) {
  const std::vector<uint8_t> bytes = nested(8);  // must outlive the GgufFile
  const auto ok = GgufFile::parse(bytes, kName);
  GgufValue v = ok->get("nest");
  for (int i = 1; i < 8; ++i) v = v.array_at(0);
  EXPECT_EQ(v.array_type(), GgufValueType::UINT8);
  expect_error(nested(9), "nests arrays deeper than 8");
  expect_error(nested(5000), "nests arrays deeper than 8");
  // A wide bomb: 2^60 empty arrays claimed in a few bytes.
  expect_error(
      Raw().header(0, 1).str("k").u32(9).u32(9).u64(uint64_t{1} << 60).u32(0).u64(0).bytes(),
      "array elements");
  // Each of a few inner arrays claims far more than the file holds.
  expect_error(
      Raw().header(0, 1).str("k").u32(9).u32(9).u64(2).u32(9).u64(kMax64).zeros(32).bytes(),
      "element 0 array claims");
}

TEST(GgufCorrupt, UnknownValueTypes) {
  expect_error(Raw().header(0, 1).str("k").u32(13).u32(0).bytes(), "value type is unknown: 13");
  expect_error(Raw().header(0, 1).str("k").u32(0xffffffffu).u32(0).bytes(), "4294967295");
  expect_error(Raw().header(0, 1).str("k").u32(9).u32(77).u64(1).zeros(8).bytes(),
               "array element type is unknown: 77");
}

// One-tensor file: the given dims/type/offset, alignment 32, `data` bytes.
std::vector<uint8_t> one_tensor(std::vector<uint64_t> dims, uint32_t type, uint64_t offset,
                                size_t data) {
  Raw r;
  r.header(1, 0).tensor("w", std::move(dims), type, offset).pad(32).zeros(data);
  return r.bytes();
}

TEST(GgufCorrupt, BadShapes) {
  EXPECT_NO_THROW(GgufFile::parse(one_tensor({4, 1, 1, 1}, 0, 0, 16), kName));
  expect_error(one_tensor({}, 0, 0, 16), "has 0 dimensions");
  expect_error(one_tensor({1, 1, 1, 1, 1}, 0, 0, 16), "has 5 dimensions");
  expect_error(Raw().header(1, 0).str("w").u32(0xffffffffu).zeros(64).bytes(), "4294967295");
  expect_error(one_tensor({4, 0}, 0, 0, 16), "dimension 1 is 0");
  expect_error(one_tensor({kMax64, 1}, 0, 0, 16), "dimension 0 is -1");
  expect_error(one_tensor({uint64_t{1} << 32, uint64_t{1} << 32}, 0, 0, 16), "overflows int64");
  expect_error(one_tensor({uint64_t{1} << 62, 2}, 0, 0, 16), "overflows int64");
  expect_error(one_tensor({3, 5, 7, uint64_t{1} << 60}, 0, 0, 16), "overflows int64");
  // Element count fits in int64 but the byte size does not fit in 64 bits.
  expect_error(one_tensor({uint64_t{1} << 62}, 0, 0, 16), "byte size overflows");
  expect_error(one_tensor({16}, 2, 0, 64), "not a multiple of the block size 32");
}

TEST(GgufCorrupt, UnknownTensorTypes) {
  for (const uint32_t t : {4u, 5u, 31u, 42u, 1000u, 0xffffffffu}) {
    expect_error(one_tensor({32}, t, 0, 256), "unknown ggml type id " + std::to_string(t));
  }
}

TEST(GgufCorrupt, BadOffsetsAndBounds) {
  expect_error(one_tensor({4}, 0, 4, 64), "is not a multiple of the alignment 32");
  expect_error(one_tensor({4}, 0, 0, 15), "extends past end of file");
  expect_error(one_tensor({4}, 0, 1 << 20, 64), "extends past end of file");
  expect_error(one_tensor({4}, 0, kMax64 - 31, 64), "extends past end of file");
  expect_error(one_tensor({uint64_t{1} << 40}, 0, 0, 64), "tensor 'w' extends past end of file");
}

TEST(GgufCorrupt, BadAlignments) {
  const auto with_alignment = [](uint32_t type, uint64_t value) {
    Raw r;
    r.header(0, 1).str("general.alignment").u32(type);
    if (type == 10) {
      r.u64(value);
    } else {
      r.u32(static_cast<uint32_t>(value));
    }
    return r.bytes();
  };
  expect_error(with_alignment(4, 0), "power of two");
  expect_error(with_alignment(4, 3), "got 3");
  expect_error(with_alignment(4, 48), "got 48");
  expect_error(with_alignment(10, uint64_t{1} << 40), "got 1099511627776");
  expect_error(with_alignment(5, static_cast<uint32_t>(-64)), "negative");
  expect_error(with_alignment(6, 0x42800000u), "general.alignment is float32");
  EXPECT_EQ(GgufFile::parse(with_alignment(4, uint64_t{1} << 31), kName)->alignment(),
            uint64_t{1} << 31);
  // A 2^31 alignment with a tensor puts the data section far past the end.
  Raw r;
  r.header(1, 1).kv_u32("general.alignment", 1u << 31).tensor("w", {4}, 0, 0).zeros(64);
  expect_error(r.bytes(), "extends past end of file");
}

TEST(GgufCorrupt, OverlapsAndDuplicates) {
  Raw overlap;
  overlap.header(2, 0).tensor("a", {16}, 0, 0).tensor("b", {8}, 0, 32).pad(32).zeros(64);
  expect_error(overlap.bytes(), "tensors 'a' (offset 0, size 64) and 'b' (offset 32) overlap");
  Raw same;
  same.header(2, 0).tensor("a", {8}, 0, 0).tensor("b", {8}, 0, 0).pad(32).zeros(64);
  expect_error(same.bytes(), "overlap");
  Raw dup_tensor;
  dup_tensor.header(2, 0).tensor("a", {8}, 0, 0).tensor("a", {8}, 0, 32).pad(32).zeros(64);
  expect_error(dup_tensor.bytes(), "duplicate tensor name 'a'");
  expect_error(Raw().header(0, 2).kv_u32("k", 1).kv_u32("k", 2).bytes(),
               "duplicate metadata key 'k'");
}

// Keys are names a program looks up: the spec asks for ASCII, so a key that is not UTF-8 text
// (or holds control characters) is a corrupt file, named with the key shown escaped.
TEST(GgufCorrupt, NonUtf8KeysAreCorruptAndEscapedInMessages) {
  expect_error(Raw().header(0, 1).kv_u32("k\xff\xfe\x01", 5).bytes(),
               "key 'k\\xff\\xfe\\x01' is not UTF-8 text");
  expect_error(Raw().header(0, 1).kv_u32("general.name\x1b[2J", 5).bytes(), "\\x1b[2J");
  EXPECT_EQ(GgufFile::parse(Raw().header(0, 1).kv_u32("général.名", 5).bytes(), kName)
                ->get_u32("général.名", 0),
            5u);
}

// Random byte corruption of a valid file: parse must throw minke::Error or
// succeed, and a successful parse must survive reading every value.
TEST(GgufCorrupt, RandomMutationsNeverCrash) {
  const std::vector<uint8_t> base = valid_file();
  std::mt19937_64 rng(1234);
  int parsed = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> b = base;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      const size_t at = rng() % std::min<size_t>(b.size(), 256);  // mostly the header
      b[at] = static_cast<uint8_t>(rng());
    }
    try {
      const auto f = GgufFile::parse(b, kName);
      for (const GgufValue& v : f->metadata()) (void)v.to_display_string();
      ++parsed;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string(kName) + ": ", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(parsed, 0);  // some mutations hit harmless bytes (string contents)
}

}  // namespace
}  // namespace minke
