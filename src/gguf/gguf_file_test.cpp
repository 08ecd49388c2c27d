// GgufFile tests on the three real models in models/ (known keys, tensor
// counts, tensor placement) and on accessor semantics.
#include "gguf/gguf_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "minke/error.h"
#include "support/test_paths.h"

namespace minke {
namespace {

std::unique_ptr<GgufFile> open_model(const char* name) {
  const auto path = testing::model_path(name);
  EXPECT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
  return GgufFile::open(path.string());
}

// Every tensor lies inside the file, aligned, with the size its type implies.
void expect_tensors_consistent(const GgufFile& f) {
  for (const GgufTensor& t : f.tensors()) {
    const GgmlTypeInfo& info = ggml_type_info(t.type);
    uint64_t n = 1;
    for (const int64_t d : t.dims) n *= static_cast<uint64_t>(d);
    EXPECT_EQ(t.n_elements, n) << t.name;
    EXPECT_EQ(t.n_bytes, n / info.block_size * info.type_size) << t.name;
    EXPECT_EQ(t.offset % f.alignment(), 0u) << t.name;
    EXPECT_LE(f.data_offset() + t.offset + t.n_bytes, f.file_size()) << t.name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % f.alignment(), 0u) << t.name;
    EXPECT_EQ(f.find_tensor(t.name), &t);
  }
}

TEST(GgufFile, ReadsSmolLM2) {
  const auto f = open_model(testing::kSmolLM2);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->get_string("general.architecture", ""), "llama");
  EXPECT_EQ(f->get("llama.block_count").as_u32(), 30u);
  EXPECT_EQ(f->get_u32("llama.block_count", 0), 30u);
  EXPECT_EQ(f->get_u32("llama.embedding_length", 0), 576u);
  EXPECT_EQ(f->get_string("tokenizer.ggml.model", ""), "gpt2");
  EXPECT_EQ(f->get_string("tokenizer.ggml.pre", ""), "smollm");
  EXPECT_EQ(f->tensors().size(), 272u);
  const GgufValue& tokens = f->get("tokenizer.ggml.tokens");
  EXPECT_EQ(tokens.type(), GgufValueType::ARRAY);
  EXPECT_EQ(tokens.array_type(), GgufValueType::STRING);
  const auto strs = tokens.as_string_array();
  ASSERT_EQ(strs.size(), 49152u);
  EXPECT_EQ(tokens.array_at(100).as_string(), strs[100]);
  EXPECT_EQ(f->get("tokenizer.ggml.token_type").as_i32_array().size(), 49152u);
  EXPECT_GT(f->get_f32("llama.rope.freq_base", 0.0f), 0.0f);
  EXPECT_EQ(f->alignment(), 32u);
  const GgufTensor* emb = f->find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->dims, (std::vector<int64_t>{576, 49152}));
  expect_tensors_consistent(*f);
}

TEST(GgufFile, ReadsGemma3) {
  const auto f = open_model(testing::kGemma3);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->get_string("general.architecture", ""), "gemma3");
  EXPECT_EQ(f->get_u32("gemma3.block_count", 0), 18u);
  EXPECT_EQ(f->get_string("tokenizer.ggml.model", ""), "llama");
  EXPECT_EQ(f->tensors().size(), 236u);
  EXPECT_EQ(f->get("tokenizer.ggml.scores").as_f32_array().size(),
            f->get("tokenizer.ggml.tokens").array_size());
  bool has_q4k = false;
  for (const GgufTensor& t : f->tensors()) has_q4k |= t.type == GgmlType::Q4_K;
  EXPECT_TRUE(has_q4k);
  expect_tensors_consistent(*f);
}

TEST(GgufFile, ReadsQwen2) {
  const auto f = open_model(testing::kQwen2);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->get_string("general.architecture", ""), "qwen2");
  EXPECT_EQ(f->get_string("tokenizer.ggml.pre", ""), "qwen2");
  EXPECT_EQ(f->tensors().size(), 291u);
  EXPECT_GT(f->get("tokenizer.ggml.merges").as_string_array().size(), 0u);
  expect_tensors_consistent(*f);
}

TEST(GgufFile, MissingKeysAndTypeMismatchesNameTheFileAndKey) {
  const auto f = open_model(testing::kSmolLM2);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->find("no.such.key"), nullptr);
  EXPECT_EQ(f->get_u32("no.such.key", 7), 7u);
  EXPECT_EQ(f->get_string("no.such.key", "x"), "x");
  EXPECT_FALSE(f->get_bool("no.such.key", false));
  EXPECT_EQ(f->find_tensor("no.such.tensor"), nullptr);
  try {
    f->get("no.such.key");
    FAIL() << "expected minke::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SmolLM2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no.such.key"), std::string::npos) << e.what();
  }
  try {
    f->get("general.architecture").as_u32();
    FAIL() << "expected minke::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("general.architecture"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("SmolLM2"), std::string::npos);
  }
  EXPECT_THROW(f->get("llama.block_count").as_string(), Error);
  EXPECT_THROW(f->get("tokenizer.ggml.tokens").as_f32_array(), Error);
  EXPECT_THROW(f->get("tokenizer.ggml.tokens").array_at(49152), Error);
}

TEST(GgufFile, OpenMissingFileThrows) {
  EXPECT_THROW(GgufFile::open("/nonexistent/model.gguf"), Error);
}

TEST(GgmlType, TableMatchesKnownGeometry) {
  EXPECT_EQ(ggml_type_info(GgmlType::Q4_K).type_size, 144u);
  EXPECT_EQ(ggml_type_info(GgmlType::Q4_K).block_size, 256u);
  EXPECT_EQ(ggml_type_info(GgmlType::Q6_K).type_size, 210u);
  EXPECT_EQ(ggml_type_info(GgmlType::Q4_1).type_size, 20u);
  EXPECT_EQ(ggml_type_info(GgmlType::Q8_0).type_size, 34u);
  EXPECT_EQ(ggml_type_name(GgmlType::BF16), "BF16");
  EXPECT_FALSE(ggml_type_info(4u).has_value());  // Q4_2, removed from ggml
  EXPECT_FALSE(ggml_type_info(1000u).has_value());
  EXPECT_EQ(ggml_type_info(39u)->name, "MXFP4");
}

}  // namespace
}  // namespace minke
