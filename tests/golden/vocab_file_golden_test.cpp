// Tokenizer ids on llama.cpp's vocabulary test files (tests/golden/data/vocab/ggml-vocab-*.gguf):
// each .inp holds strings separated by "\n__ggml_vocab_test__\n", each .out line the ids that
// the model's own Hugging Face tokenizer gives that string (encode(add_special_tokens=False),
// written by llama.cpp's convert_hf_to_gguf_update.py). These vocabs need no model download.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "support/test_paths.h"
#include "tokenizer/tokenizer.h"

namespace minke {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// As llama.cpp's test-tokenizer-0 reads them: the text after the last separator, if any, is one
// more string.
std::vector<std::string> read_inputs(const std::filesystem::path& path) {
  static constexpr std::string_view kSep = "\n__ggml_vocab_test__\n";
  const std::string raw = read_file(path);
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t next = raw.find(kSep, pos);
    if (next == std::string::npos) {
      out.push_back(raw.substr(pos));
      break;
    }
    out.push_back(raw.substr(pos, next - pos));
    pos = next + kSep.size();
  }
  return out;
}

std::vector<std::vector<int32_t>> read_outputs(const std::filesystem::path& path) {
  std::vector<std::vector<int32_t>> out;
  std::istringstream lines(read_file(path));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream ids(line);
    out.emplace_back();
    for (int32_t id; ids >> id;) out.back().push_back(id);
  }
  return out;
}

std::string ids_string(const std::vector<int32_t>& ids) {
  std::string s;
  for (const int32_t id : ids) s += " " + std::to_string(id);
  return s;
}

class VocabFileGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabFileGolden, MatchesTransformers) {
  const std::filesystem::path base = testing::golden_dir() / "vocab" / GetParam();
  const std::vector<std::string> texts = read_inputs(base.string() + ".inp");
  const std::vector<std::vector<int32_t>> expected = read_outputs(base.string() + ".out");
  ASSERT_EQ(texts.size(), expected.size());
  ASSERT_GE(texts.size(), 40u);

  auto gguf = GgufFile::open(base.string());
  auto tok = Tokenizer::from_gguf(*gguf);
  int failed = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto ids = tok->encode(texts[i], {.add_special = false, .parse_special = false});
    if (ids != expected[i]) {
      ++failed;
      ADD_FAILURE() << GetParam() << " string #" << i << " '" << texts[i] << "'\n  expected"
                    << ids_string(expected[i]) << "\n  got     " << ids_string(ids);
      continue;
    }
    // The ids decode back to the input (these strings are valid UTF-8 and use no special text).
    EXPECT_EQ(tok->decode(ids), texts[i]) << GetParam() << " string #" << i;
  }
  std::printf("[vocab file golden] %s: %d of %zu strings match transformers\n", GetParam(),
              static_cast<int>(texts.size()) - failed, texts.size());
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabs, VocabFileGolden,
                         ::testing::Values("ggml-vocab-qwen35.gguf", "ggml-vocab-gemma-4.gguf"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace minke
