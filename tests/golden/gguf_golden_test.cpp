// GGUF reader and writer against gguf-py: tests/golden/data/gguf/golden.gguf was
// written by gguf-py's GGUFWriter and golden.json holds what GGUFReader reads
// from it (scripts/make_golden_gguf.py). Every key, value and tensor must match,
// and re-writing the file with GgufWriter must give identical bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "support/test_paths.h"

namespace minke {
namespace {

using nlohmann::json;

json leaf_to_json(const GgufValue& v) {
  switch (v.type()) {
    case GgufValueType::BOOL:
      return v.as_bool();
    case GgufValueType::STRING:
      return std::string(v.as_string());
    case GgufValueType::FLOAT32:
      return static_cast<double>(v.as_f32());
    case GgufValueType::FLOAT64:
      return v.as_f64();
    case GgufValueType::INT8:
    case GgufValueType::INT16:
    case GgufValueType::INT32:
    case GgufValueType::INT64:
      return v.as_i64();
    default:
      return v.as_u64();
  }
}

// Flattens nested arrays the way gguf-py's ReaderField.contents() does.
void flatten(const GgufValue& v, json& out) {
  if (v.type() != GgufValueType::ARRAY) {
    out.push_back(leaf_to_json(v));
    return;
  }
  for (uint64_t i = 0; i < v.array_size(); ++i) flatten(v.array_at(i), out);
}

// gguf-py's type chain: the value's type, then the first element's, and so on.
json type_chain(const GgufValue& v) {
  json types = json::array({static_cast<int>(v.type())});
  if (v.type() != GgufValueType::ARRAY) return types;
  if (v.array_size() == 0) {
    types.push_back(static_cast<int>(v.array_type()));
    return types;
  }
  for (const auto& t : type_chain(v.array_at(0))) types.push_back(t);
  return types;
}

std::string hex(const uint8_t* p, uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint64_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

class GgufGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = testing::golden_dir() / "gguf";
    std::ifstream in(dir / "golden.json");
    ASSERT_TRUE(in) << (dir / "golden.json").string() << " is missing";
    expected_ = json::parse(in);
    file_ = GgufFile::open((dir / "golden.gguf").string());
  }
  json expected_;
  std::unique_ptr<GgufFile> file_;
};

TEST_F(GgufGolden, HeaderMatchesGgufPy) {
  EXPECT_NE(expected_["oracle"].get<std::string>().find("gguf-py"), std::string::npos);
  EXPECT_EQ(file_->version(), expected_["version"].get<uint32_t>());
  EXPECT_EQ(file_->alignment(), expected_["alignment"].get<uint64_t>());
  EXPECT_EQ(file_->data_offset(), expected_["data_offset"].get<uint64_t>());
  EXPECT_EQ(file_->file_size(), expected_["file_size"].get<uint64_t>());
}

TEST_F(GgufGolden, EveryKeyAndValueMatchesGgufPy) {
  const json& fields = expected_["fields"];
  ASSERT_EQ(file_->metadata().size(), fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    const GgufValue& v = file_->metadata()[i];
    const json& f = fields[i];
    SCOPED_TRACE(f["key"].get<std::string>());
    EXPECT_EQ(v.key(), f["key"].get<std::string>());
    EXPECT_EQ(file_->find(v.key()), &v);
    EXPECT_EQ(type_chain(v), f["types"]);
    if (v.type() == GgufValueType::ARRAY) {
      json flat = json::array();
      flatten(v, flat);
      EXPECT_EQ(flat, f["value"]);
    } else {
      EXPECT_EQ(leaf_to_json(v), f["value"]);
    }
  }
  // Typed accessors on a few of the same values.
  EXPECT_EQ(file_->get("scalar.i8").as_i32(), -128);
  EXPECT_EQ(file_->get("array.u32").as_i64_array(), (std::vector<int64_t>{0, 4294967295, 7}));
  EXPECT_EQ(file_->get("nested.deep").array_at(0).array_at(1).as_i32_array(),
            (std::vector<int32_t>{2, 3}));
}

TEST_F(GgufGolden, EveryTensorMatchesGgufPy) {
  const json& tensors = expected_["tensors"];
  ASSERT_EQ(file_->tensors().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const GgufTensor& t = file_->tensors()[i];
    const json& e = tensors[i];
    SCOPED_TRACE(e["name"].get<std::string>());
    EXPECT_EQ(t.name, e["name"].get<std::string>());
    EXPECT_EQ(static_cast<uint32_t>(t.type), e["type"].get<uint32_t>());
    EXPECT_EQ(ggml_type_name(t.type), e["type_name"].get<std::string>());
    EXPECT_EQ(t.dims, e["shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(t.n_elements, e["n_elements"].get<uint64_t>());
    EXPECT_EQ(t.n_bytes, e["n_bytes"].get<uint64_t>());
    EXPECT_EQ(file_->data_offset() + t.offset, e["data_offset"].get<uint64_t>());
    EXPECT_EQ(hex(t.data, t.n_bytes), e["data_hex"].get<std::string>());
  }
}

TEST_F(GgufGolden, WriterReproducesGgufPyBytes) {
  GgufWriter w;
  for (const GgufValue& v : file_->metadata()) {
    if (v.key() == "general.alignment") {
      w.set_alignment(v.as_u32());  // adds the key here, in gguf-py's order
    } else {
      w.add(v.key(), GgufWriteValue::copy_of(v));
    }
  }
  for (const GgufTensor& t : file_->tensors()) {
    w.add_tensor_view(t.name, t.type, t.dims, {t.data, t.n_bytes});
  }
  const std::vector<uint8_t> ours = w.to_bytes();
  std::ifstream in(testing::golden_dir() / "gguf" / "golden.gguf", std::ios::binary);
  const std::vector<uint8_t> theirs((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
  ASSERT_EQ(ours.size(), theirs.size());
  const auto diff = std::mismatch(ours.begin(), ours.end(), theirs.begin());
  EXPECT_EQ(static_cast<size_t>(diff.first - ours.begin()), ours.size())
      << "GgufWriter output differs from gguf-py's at that byte";
}

}  // namespace
}  // namespace minke
