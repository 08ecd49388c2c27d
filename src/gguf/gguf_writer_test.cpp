// GgufWriter round trips: every value type, nested arrays and several tensor
// types written, then read back with GgufFile (bytes and files on disk).
#include "gguf/gguf_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "gguf/gguf_file.h"
#include "minke/error.h"

namespace minke {
namespace {

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

GgufWriter make_writer(uint32_t alignment) {
  GgufWriter w;
  w.add_string("general.architecture", "test");
  w.set_alignment(alignment);
  w.add("u8", GgufWriteValue::u8(250));
  w.add("i8", GgufWriteValue::i8(-100));
  w.add("u16", GgufWriteValue::u16(65000));
  w.add("i16", GgufWriteValue::i16(-30000));
  w.add_u32("u32", 4000000000u);
  w.add_i32("i32", -2000000000);
  w.add_f32("f32", 1.5f);
  w.add_bool("bool", true);
  w.add_string("string", "h\xc3\xa9llo");
  w.add_u64("u64", std::numeric_limits<uint64_t>::max());
  w.add("i64", GgufWriteValue::i64(std::numeric_limits<int64_t>::min()));
  w.add("f64", GgufWriteValue::f64(-0.125));
  const std::vector<float> floats = {1.0f, -2.5f, 3.25f};
  w.add("arr.f32", GgufWriteValue::array_of<float>(floats));
  const std::vector<int32_t> ints = {-1, 0, 7};
  w.add("arr.i32", GgufWriteValue::array_of<int32_t>(ints));
  const std::vector<uint8_t> bytes = {1, 2, 255};
  w.add("arr.u8", GgufWriteValue::array_of<uint8_t>(bytes));
  const bool bool_arr[] = {true, false};
  w.add("arr.bool", GgufWriteValue::array_of<bool>(bool_arr));
  const std::vector<std::string> strs = {"a", "", "ccc"};
  w.add("arr.str", GgufWriteValue::string_array(strs));
  w.add("arr.empty", GgufWriteValue::array_of<int64_t>({}));
  w.add("arr.nested", GgufWriteValue::array(GgufValueType::ARRAY,
                                            {GgufWriteValue::array_of<int32_t>(ints),
                                             GgufWriteValue::string_array(strs),
                                             GgufWriteValue::array(GgufValueType::ARRAY, {})}));
  w.add_tensor("t.f32", GgmlType::F32, {3, 2}, pattern(24, 1));
  w.add_tensor("t.q4_k", GgmlType::Q4_K, {256, 2}, pattern(288, 2));
  w.add_tensor("t.f16", GgmlType::F16, {5}, pattern(10, 3));
  w.add_tensor("t.q8_0", GgmlType::Q8_0, {32, 1, 2, 1}, pattern(68, 4));
  return w;
}

void expect_contents(const GgufFile& f, uint32_t alignment) {
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), alignment);
  EXPECT_EQ(f.get_string("general.architecture", ""), "test");
  EXPECT_EQ(f.get("u8").as_u32(), 250u);
  EXPECT_EQ(f.get("i8").as_i32(), -100);
  EXPECT_EQ(f.get("u16").as_u32(), 65000u);
  EXPECT_EQ(f.get("i16").as_i64(), -30000);
  EXPECT_EQ(f.get_u32("u32", 0), 4000000000u);
  EXPECT_EQ(f.get("i32").as_i32(), -2000000000);
  EXPECT_EQ(f.get_f32("f32", 0), 1.5f);
  EXPECT_TRUE(f.get_bool("bool", false));
  EXPECT_EQ(f.get_string("string", ""), "h\xc3\xa9llo");
  EXPECT_EQ(f.get("u64").as_u64(), std::numeric_limits<uint64_t>::max());
  EXPECT_THROW(f.get("u64").as_i64(), Error);
  EXPECT_EQ(f.get("i64").as_i64(), std::numeric_limits<int64_t>::min());
  EXPECT_THROW(f.get("i64").as_u64(), Error);
  EXPECT_EQ(f.get("f64").as_f64(), -0.125);
  EXPECT_EQ(f.get("arr.f32").as_f32_array(), (std::vector<float>{1.0f, -2.5f, 3.25f}));
  EXPECT_EQ(f.get("arr.i32").as_i32_array(), (std::vector<int32_t>{-1, 0, 7}));
  EXPECT_EQ(f.get("arr.u8").as_i64_array(), (std::vector<int64_t>{1, 2, 255}));
  EXPECT_TRUE(f.get("arr.bool").array_at(0).as_bool());
  EXPECT_FALSE(f.get("arr.bool").array_at(1).as_bool());
  EXPECT_EQ(f.get("arr.str").as_string_array(), (std::vector<std::string_view>{"a", "", "ccc"}));
  EXPECT_EQ(f.get("arr.empty").array_size(), 0u);
  EXPECT_EQ(f.get("arr.empty").array_type(), GgufValueType::INT64);
  const GgufValue& nested = f.get("arr.nested");
  ASSERT_EQ(nested.array_size(), 3u);
  EXPECT_EQ(nested.array_at(0).as_i32_array(), (std::vector<int32_t>{-1, 0, 7}));
  EXPECT_EQ(nested.array_at(1).as_string_array().at(2), "ccc");
  EXPECT_EQ(nested.array_at(2).array_size(), 0u);
  EXPECT_EQ(nested.array_at(1).array_at(2).as_string(), "ccc");
  EXPECT_EQ(nested.to_display_string(), "[array \u00d7 3]");
  ASSERT_EQ(f.tensors().size(), 4u);
  const struct {
    const char* name;
    GgmlType type;
    std::vector<int64_t> dims;
    size_t n;
    uint8_t seed;
  } expected[] = {{"t.f32", GgmlType::F32, {3, 2}, 24, 1},
                  {"t.q4_k", GgmlType::Q4_K, {256, 2}, 288, 2},
                  {"t.f16", GgmlType::F16, {5}, 10, 3},
                  {"t.q8_0", GgmlType::Q8_0, {32, 1, 2, 1}, 68, 4}};
  for (const auto& e : expected) {
    const GgufTensor* t = f.find_tensor(e.name);
    ASSERT_NE(t, nullptr) << e.name;
    EXPECT_EQ(t->type, e.type);
    EXPECT_EQ(t->dims, e.dims);
    EXPECT_EQ(t->n_bytes, e.n);
    EXPECT_EQ(t->offset % alignment, 0u);
    EXPECT_EQ((f.data_offset() + t->offset) % alignment, 0u);
    EXPECT_EQ(std::vector<uint8_t>(t->data, t->data + t->n_bytes), pattern(e.n, e.seed));
  }
  EXPECT_EQ(f.file_size() % alignment, 0u);  // the last tensor is padded too, as gguf-py does
}

TEST(GgufWriter, RoundTripsInMemory) {
  for (const uint32_t alignment : {1u, 32u, 64u, 256u}) {
    const std::vector<uint8_t> bytes = make_writer(alignment).to_bytes();
    const auto f = GgufFile::parse(bytes, "mem.gguf");
    expect_contents(*f, alignment);
  }
}

TEST(GgufValue, DisplayStrings) {
  const std::vector<uint8_t> bytes = make_writer(32).to_bytes();
  const auto f = GgufFile::parse(bytes, "mem.gguf");
  EXPECT_EQ(f->get("u8").to_display_string(), "250");
  EXPECT_EQ(f->get("i64").to_display_string(), "-9223372036854775808");
  EXPECT_EQ(f->get("u64").to_display_string(), "18446744073709551615");
  EXPECT_EQ(f->get("bool").to_display_string(), "true");
  EXPECT_EQ(f->get("f32").to_display_string(), "1.5");
  EXPECT_EQ(f->get("f64").to_display_string(), "-0.125");
  EXPECT_EQ(f->get("string").to_display_string(), "\"h\xc3\xa9llo\"");
  EXPECT_EQ(f->get("string").to_display_string(2), "\"h\"...");  // not inside the é
  EXPECT_EQ(f->get("arr.str").to_display_string(), "[string \u00d7 3]");
}

TEST(GgufWriter, RoundTripsOnDisk) {
  const auto path = std::filesystem::temp_directory_path() / "minke_gguf_writer_test.gguf";
  const GgufWriter w = make_writer(64);
  w.write_file(path.string());
  EXPECT_EQ(std::filesystem::file_size(path), w.to_bytes().size());
  const auto f = GgufFile::open(path.string());
  expect_contents(*f, 64);
  std::filesystem::remove(path);
}

TEST(GgufWriter, DefaultAlignmentWritesNoKey) {
  GgufWriter w;
  w.add_tensor("x", GgmlType::F32, {1}, pattern(4, 0));
  const std::vector<uint8_t> bytes = w.to_bytes();
  const auto f = GgufFile::parse(bytes, "mem.gguf");
  EXPECT_EQ(f->find("general.alignment"), nullptr);
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->metadata().size(), 0u);
}

TEST(GgufWriter, RejectsInvalidInput) {
  GgufWriter w;
  w.add_u32("k", 1);
  EXPECT_THROW(w.add_u32("k", 2), Error);
  EXPECT_THROW(w.set_alignment(0), Error);
  EXPECT_THROW(w.set_alignment(48), Error);
  EXPECT_THROW(w.add_tensor("bad", GgmlType::F32, {2}, pattern(4, 0)), Error);    // size
  EXPECT_THROW(w.add_tensor("bad", GgmlType::Q4_0, {16}, pattern(9, 0)), Error);  // block
  EXPECT_THROW(w.add_tensor("bad", GgmlType::F32, {}, {}), Error);                // no dims
  EXPECT_THROW(w.add_tensor("bad", GgmlType::F32, {1, 1, 1, 1, 1}, pattern(4, 0)), Error);
  EXPECT_THROW(w.add_tensor("bad", GgmlType::F32, {0}, {}), Error);
  w.add_tensor("ok", GgmlType::F32, {1}, pattern(4, 0));
  EXPECT_THROW(w.add_tensor("ok", GgmlType::F32, {1}, pattern(4, 0)), Error);
  EXPECT_THROW(w.write_file("/nonexistent-dir/x.gguf"), Error);
}

TEST(GgufWriter, TensorViewsAreNotCopied) {
  const std::vector<uint8_t> data = pattern(64, 9);
  GgufWriter w;
  w.add_tensor_view("v", GgmlType::F16, {32}, data);
  const std::vector<uint8_t> bytes = w.to_bytes();
  const auto f = GgufFile::parse(bytes, "mem.gguf");
  const GgufTensor& t = f->tensors().at(0);
  EXPECT_EQ(std::vector<uint8_t>(t.data, t.data + t.n_bytes), data);
}

TEST(GgufWriter, StreamedTensorsMatchCopiedOnes) {
  const std::vector<uint8_t> data = pattern(96, 3);
  GgufWriter copied, streamed;
  copied.add_tensor("a", GgmlType::F32, {8, 3}, data);
  copied.add_tensor("b", GgmlType::F16, {2}, pattern(4, 1));
  streamed.add_tensor_streamed("a", GgmlType::F32, {8, 3}, [&](const GgufWriter::TensorSink& sink) {
    for (size_t at = 0; at < data.size(); at += 40) {  // pieces need not be rows
      sink(std::span(data).subspan(at, std::min<size_t>(40, data.size() - at)));
    }
  });
  streamed.add_tensor("b", GgmlType::F16, {2}, pattern(4, 1));
  EXPECT_EQ(streamed.to_bytes(), copied.to_bytes());
}

TEST(GgufWriter, FailedWriteLeavesNoFileAndKeepsTheOldOne) {
  const auto path = std::filesystem::temp_directory_path() / "minke_gguf_writer_partial.gguf";
  GgufWriter good;
  good.add_tensor("x", GgmlType::F32, {1}, pattern(4, 0));
  good.write_file(path.string());
  const auto good_size = std::filesystem::file_size(path);

  for (const int64_t produced : {3, 5}) {  // short, then long
    GgufWriter bad;
    bad.add_tensor("y", GgmlType::F32, {16}, pattern(64, 0));
    bad.add_tensor_streamed("z", GgmlType::F32, {1}, [&](const GgufWriter::TensorSink& sink) {
      sink(pattern(static_cast<size_t>(produced), 0));
    });
    EXPECT_THROW(bad.write_file(path.string()), Error);
    EXPECT_FALSE(std::filesystem::exists(path.string() + ".part"));
    EXPECT_EQ(std::filesystem::file_size(path), good_size);  // the earlier file is untouched
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace minke
