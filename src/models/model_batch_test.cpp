// DESIGN.md's determinism rule on every architecture: the same tokens give bit-identical logits
// whether a sequence runs alone or batched with others, with 1 or 2 threads, and whether its
// prompt is prefilled in one call, in chunks or token by token.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "gguf/gguf_file.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "support/test_paths.h"

namespace minke {
namespace {

namespace fs = std::filesystem;

// Three prompts of different lengths (token ids valid in every test vocabulary).
const std::vector<std::vector<int32_t>> kPrompts = {
    {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33, 10, 84, 104, 101, 32, 101, 110, 100},
    {49, 50, 51, 52, 53},
    {65,  32, 115, 108, 105, 100, 105, 110, 103, 32,  119, 105, 110, 100, 111,
     119, 32, 111, 102, 32,  116, 101, 110, 32,  116, 111, 107, 101, 110, 115}};

struct Loaded {
  std::unique_ptr<GgufFile> gguf;
  std::unique_ptr<Backend> be;
  std::unique_ptr<Model> model;
};

Loaded load(const fs::path& path, int n_threads) {
  Loaded l;
  l.gguf = GgufFile::open(path.string());
  l.be = make_cpu_backend({.n_threads = n_threads});
  l.model = load_model(*l.gguf, *l.be);
  return l;
}

// Each prompt alone in its own cache, every position's logits.
std::vector<std::vector<float>> solo(Loaded& l) {
  std::vector<std::vector<float>> out;
  for (const auto& p : kPrompts) {
    auto kv = testing::make_kv_cache(*l.be, *l.model, 64, 4);
    out.push_back(testing::run_tokens(*l.model, *kv, p, 0, 0, true));
  }
  return out;
}

void check_arch(const fs::path& path) {
  ASSERT_TRUE(fs::exists(path)) << testing::model_missing_message(path);
  Loaded one = load(path, 1);
  const size_t n_vocab = static_cast<size_t>(one.model->config().n_vocab);
  const std::vector<std::vector<float>> want = solo(one);

  // Same results with 2 threads.
  Loaded two = load(path, 2);
  EXPECT_EQ(solo(two), want) << "1 vs 2 threads";

  // All three prompts as one batch (sequences 5, 1, 9), every logit wanted.
  auto kv = testing::make_kv_cache(*two.be, *two.model, 3 * 64, 4);
  const int32_t seq_ids[] = {5, 1, 9};
  Batch b;
  for (size_t s = 0; s < kPrompts.size(); ++s) {
    kv->reserve(seq_ids[s], static_cast<int32_t>(kPrompts[s].size()));
    for (size_t i = 0; i < kPrompts[s].size(); ++i) {
      b.add(kPrompts[s][i], static_cast<int32_t>(i), seq_ids[s], true);
    }
  }
  std::vector<float> logits(b.size() * n_vocab);
  two.model->forward(b, *kv, logits);
  size_t row = 0;
  for (size_t s = 0; s < kPrompts.size(); ++s) {
    const std::vector<float> got(
        logits.begin() + static_cast<ptrdiff_t>(row * n_vocab),
        logits.begin() + static_cast<ptrdiff_t>((row + kPrompts[s].size()) * n_vocab));
    EXPECT_EQ(got, want[s]) << "prompt " << s << " batched vs solo";
    row += kPrompts[s].size();
  }

  // Prompt 0 in chunks of 7, then token by token: the last logits of each call match.
  for (const size_t chunk : {size_t{7}, size_t{1}}) {
    auto kvc = testing::make_kv_cache(*one.be, *one.model, 64, 4);
    const std::vector<int32_t>& p = kPrompts[0];
    for (size_t i = 0; i < p.size(); i += chunk) {
      const size_t n = std::min(chunk, p.size() - i);
      const std::vector<float> got =
          testing::run_tokens(*one.model, *kvc, std::span<const int32_t>(p).subspan(i, n), 0,
                              static_cast<int32_t>(i), false);
      const std::vector<float> expect(
          want[0].begin() + static_cast<ptrdiff_t>((i + n - 1) * n_vocab),
          want[0].begin() + static_cast<ptrdiff_t>((i + n) * n_vocab));
      ASSERT_EQ(got, expect) << "chunk " << chunk << " at " << i;
    }
  }
}

fs::path tiny(const char* arch) {
  return testing::golden_dir() / "models" / "tiny" / (std::string(arch) + ".gguf");
}

TEST(ModelBatchInvariance, TinyLlama) { check_arch(tiny("llama")); }
TEST(ModelBatchInvariance, TinyQwen2) { check_arch(tiny("qwen2")); }
TEST(ModelBatchInvariance, TinyQwen3) { check_arch(tiny("qwen3")); }
// Gemma 3's window is 8 tokens in the tiny model: the longer prompts cross it.
TEST(ModelBatchInvariance, TinyGemma3) { check_arch(tiny("gemma3")); }
TEST(ModelBatchInvariance, SmolLM2) { check_arch(testing::model_path(testing::kSmolLM2)); }

}  // namespace
}  // namespace minke
