// Tokenizer ids against llama.cpp (llama-cpp-python), recorded by
// scripts/make_golden_tokenizer.py: every corpus string, every model and pre-tokenizer, with and
// without special handling, plus detokenized bytes. Agreement must be 100%.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "support/test_paths.h"
#include "tokenizer/tokenizer.h"

namespace minke {
namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  const json doc = read_json(testing::golden_dir() / "tokenizer" / "corpus.json");
  for (const auto& h : doc["strings_hex"]) {
    out.push_back(from_hex(h.get<std::string>()));
  }
  return out;
}

struct Case {
  const char* fixture;
  const char* model;  // in models/, or with vocab_file set: in tests/golden/data/vocab/
  const char* pre_override;
  bool vocab_file = false;
  // Strings (corpus indices) where Minke departs from llama.cpp by design, following the
  // model's own tokenizer instead (checked against transformers: hf_tokenizer_corpus_test).
  std::vector<size_t> departs = {};
};

class TokenizerGolden : public ::testing::TestWithParam<Case> {};

TEST_P(TokenizerGolden, MatchesLlamaCpp) {
  const Case c = GetParam();
  const auto model =
      c.vocab_file ? testing::golden_dir() / "vocab" / c.model : testing::model_path(c.model);
  ASSERT_TRUE(std::filesystem::exists(model)) << testing::model_missing_message(model);
  const json fixture =
      read_json(testing::golden_dir() / "tokenizer" / (std::string(c.fixture) + ".json"));
  const std::vector<std::string> texts = corpus();
  ASSERT_EQ(texts.size(), fixture["cases"].size());
  ASSERT_GE(texts.size(), 250u);

  auto gguf = GgufFile::open(model.string());
  auto tok = Tokenizer::from_gguf(*gguf, TokenizerOptions{.pre_override = c.pre_override});
  const json& info = fixture["info"];
  EXPECT_EQ(tok->n_vocab(), info["n_vocab"].get<int>());
  EXPECT_EQ(tok->bos(), info["bos"].get<int>());
  EXPECT_EQ(tok->eos(), info["eos"].get<int>());
  EXPECT_EQ(tok->add_bos_default(), info["add_bos"].get<bool>());
  EXPECT_EQ(tok->add_eos_default(), info["add_eos"].get<bool>());
  std::set<int> eog, control;
  for (int32_t id = 0; id < tok->n_vocab(); ++id) {
    if (tok->is_eog(id)) eog.insert(id);
    if (tok->is_control(id)) control.insert(id);
  }
  EXPECT_EQ(eog, info["eog"].get<std::set<int>>());
  EXPECT_EQ(control, info["control"].get<std::set<int>>());
  EXPECT_TRUE(info["eog"].get<std::set<int>>().count(tok->eot()) || tok->eot() == -1);

  int checked = 0, failed = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const json& expect = fixture["cases"][i];
    const auto special = tok->encode(texts[i], {.add_special = true, .parse_special = true});
    const auto plain = tok->encode(texts[i], {.add_special = false, .parse_special = false});
    const std::string detok = tok->decode(plain);
    const std::string detok_special = tok->decode(special, {.render_special = true});
    const bool ok = special == expect["special"].get<std::vector<int32_t>>() &&
                    plain == expect["plain"].get<std::vector<int32_t>>() &&
                    to_hex(detok) == expect["detok"].get<std::string>() &&
                    to_hex(detok_special) == expect["detok_special"].get<std::string>();
    checked += 4;
    if (std::find(c.departs.begin(), c.departs.end(), i) != c.departs.end()) {
      EXPECT_FALSE(ok) << c.fixture << " string #" << i << " now agrees with llama.cpp";
      continue;
    }
    if (!ok) {
      ++failed;
      if (failed <= 8) {
        ADD_FAILURE() << c.fixture << " string #" << i << " (hex " << to_hex(texts[i])
                      << ")\n  expected special " << expect["special"].dump() << "\n  got      "
                      << json(special).dump() << "\n  expected plain " << expect["plain"].dump()
                      << "\n  got      " << json(plain).dump();
      }
    }
  }
  EXPECT_EQ(failed, 0) << c.fixture << ": " << failed << " of " << texts.size()
                       << " strings differ";
  std::printf("[tokenizer golden] %s: %zu strings x 4 checks = %d checks, %d strings differ\n",
              c.fixture, texts.size(), checked, failed);
}

INSTANTIATE_TEST_SUITE_P(
    Models, TokenizerGolden,
    ::testing::Values(Case{"smollm2", testing::kSmolLM2, ""}, Case{"qwen2", testing::kQwen2, ""},
                      Case{"gemma3", testing::kGemma3, ""},
                      Case{"gemma4", "ggml-vocab-gemma-4.gguf", "", true},
                      Case{"qwen2-pre-llama-bpe", testing::kQwen2, "llama-bpe"},
                      Case{"qwen2-pre-deepseek-llm", testing::kQwen2, "deepseek-llm"},
                      Case{"qwen2-pre-deepseek-coder", testing::kQwen2, "deepseek-coder"},
                      Case{"qwen2-pre-deepseek-v3", testing::kQwen2, "deepseek-v3"},
                      Case{"qwen2-pre-gpt-2", testing::kQwen2, "gpt-2"},
                      Case{"qwen2-pre-default", testing::kQwen2, "default"},
                      Case{"qwen2-pre-smollm", testing::kQwen2, "smollm"},
                      Case{"qwen2-pre-falcon", testing::kQwen2, "falcon"},
                      Case{"qwen2-pre-dbrx", testing::kQwen2, "dbrx"},
                      // #71, Thai: llama.cpp's o200k rewrite drops the vowel marks (\p{M})
                      // from the letter run; tiktoken and transformers keep them.
                      Case{"qwen2-pre-gpt-4o", testing::kQwen2, "gpt-4o", false, {71}},
                      Case{"qwen2-pre-tekken", testing::kQwen2, "tekken"},
                      Case{"qwen2-pre-poro-chat", testing::kQwen2, "poro-chat"},
                      Case{"qwen2-pre-viking", testing::kQwen2, "viking"},
                      Case{"qwen2-pre-qwen35", testing::kQwen2, "qwen35"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string name = info.param.fixture;
      for (char& ch : name) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace minke
