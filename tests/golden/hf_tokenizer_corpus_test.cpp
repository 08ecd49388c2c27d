// The pre-tokenizers of the families `minke convert` knows, against Hugging Face tokenizers on a
// broad corpus (fixtures: scripts/make_hf_tokenizers.py): each tokenizer.json (one BPE vocabulary
// trained across every split boundary, with a family's Split regex) goes through the
// converter's tokenizer code into GGUF metadata, and Minke encodes the corpus as `tokenizers`
// does, token for token.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "convert/hf_tokenizer.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "support/test_paths.h"
#include "tokenizer/tokenizer.h"

namespace minke {
namespace {

using nlohmann::json;

struct Family {
  const char* dir;        // tests/golden/data/hf-tokenizers/<dir>
  const char* gguf_arch;  // the architecture the converter writes it for
  const char* pre;        // the tokenizer.ggml.pre it must name
};

class HfTokenizerCorpus : public ::testing::TestWithParam<Family> {};

TEST_P(HfTokenizerCorpus, EncodesAsTokenizers) {
  const Family f = GetParam();
  const auto dir = testing::golden_dir() / "hf-tokenizers" / f.dir;
  std::ifstream config_in(dir / "config.json"), fixture_in(dir / "encodings.json");
  const json config = json::parse(config_in), fixture = json::parse(fixture_in);

  GgufWriter w;
  w.add_string("general.architecture", f.gguf_arch);
  add_hf_tokenizer(dir.string(), config, f.gguf_arch, w);
  const auto path = std::filesystem::temp_directory_path() /
                    (std::string("minke_hf_tokenizer_") + f.dir + ".gguf");
  w.write_file(path.string());
  const auto gguf = GgufFile::open(path.string());
  EXPECT_EQ(gguf->get("tokenizer.ggml.pre").as_string(), f.pre);
  const auto tok = Tokenizer::from_gguf(*gguf, {});

  size_t n_strings = 0, n_tokens = 0;
  for (const auto& [text, want] : fixture["encodings"].items()) {
    const std::vector<int32_t> got =
        tok->encode(text, {.add_special = false, .parse_special = false});
    EXPECT_EQ(got, want.get<std::vector<int32_t>>()) << f.dir << ": \"" << text << "\"";
    ++n_strings;
    n_tokens += got.size();
  }
  std::printf("%s: %zu strings, %zu tokens\n", f.dir, n_strings, n_tokens);
  EXPECT_GE(n_strings, 50u);
  std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Families, HfTokenizerCorpus,
                         ::testing::Values(Family{"llama3", "llama", "llama-bpe"},
                                           Family{"glm4", "glm4moe", "glm4"},
                                           Family{"qwen2", "qwen2", "qwen2"},
                                           Family{"qwen35", "qwen35", "qwen35"},
                                           Family{"o200k", "gpt-oss", "gpt-4o"}),
                         [](const auto& info) { return std::string(info.param.dir); });

}  // namespace
}  // namespace minke
