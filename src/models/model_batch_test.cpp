// DESIGN.md's determinism rule on every architecture and every kernel path this CPU runs: the
// same tokens give bit-identical logits (memcmp) whether a sequence runs alone or batched with
// others, with 1, 2 or 3 threads, whether its prompt is prefilled in one call, in chunks or token
// by token, and when one sequence's decode step shares a batch with another's prefill and a
// third's chunked-prefill continuation.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "gguf/gguf_file.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "support/kernel_paths.h"
#include "support/test_paths.h"

namespace minke {
namespace {

namespace fs = std::filesystem;
using Prompts = std::vector<std::vector<int32_t>>;

// Three prompts of different lengths (token ids valid in every test vocabulary). The tiny models
// cross Gemma 3's 8-token window with them.
const Prompts kPrompts = {
    {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33, 10, 84, 104, 101, 32, 101, 110, 100},
    {49, 50, 51, 52, 53},
    {65,  32, 115, 108, 105, 100, 105, 110, 103, 32,  119, 105, 110, 100, 111,
     119, 32, 111, 102, 32,  116, 101, 110, 32,  116, 111, 107, 101, 110, 115}};
// The real models on the scalar reference kernels (and under ASan) cost ~0.1-0.5 s per token:
// short prompts there keep the test bounded; every check still runs.
const Prompts kShortPrompts = {{72, 101, 108, 108, 111, 32}, {49, 50, 51}, {65, 32, 115, 108}};

struct Loaded {
  std::unique_ptr<GgufFile> gguf;
  std::unique_ptr<Backend> be;
  std::unique_ptr<Model> model;
};

Loaded load(const fs::path& path, const KernelTable& table, int n_threads) {
  Loaded l;
  l.gguf = GgufFile::open(path.string());
  l.be = make_cpu_backend({.n_threads = n_threads, .kernels = &table});
  l.model = load_model(*l.gguf, *l.be);
  return l;
}

// Byte equality of two logits ranges (no float ==: -0.0 vs 0.0 or two NaNs would hide a
// difference); the message names the first differing element.
::testing::AssertionResult same_bytes(const float* got, const float* want, size_t n) {
  if (std::memcmp(got, want, n * sizeof(float)) == 0) return ::testing::AssertionSuccess();
  size_t i = 0;
  while (std::memcmp(got + i, want + i, sizeof(float)) == 0) ++i;
  return ::testing::AssertionFailure() << "first difference at element " << i << " of " << n << ": "
                                       << got[i] << " vs " << want[i];
}
::testing::AssertionResult same_bytes(const std::vector<float>& got,
                                      const std::vector<float>& want) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << got.size() << " vs " << want.size() << " logits";
  }
  return same_bytes(got.data(), want.data(), got.size());
}

// Each prompt alone in its own cache, every position's logits.
std::vector<std::vector<float>> solo(Loaded& l, const Prompts& prompts) {
  std::vector<std::vector<float>> out;
  for (const auto& p : prompts) {
    auto kv = testing::make_kv_cache(*l.be, *l.model, 64, 4);
    out.push_back(testing::run_tokens(*l.model, *kv, p, 0, 0, true));
  }
  return out;
}

// All prompts as one batch (sequences 5, 1, 9), every logit wanted.
void check_batched(Loaded& l, const Prompts& prompts, const std::vector<std::vector<float>>& want) {
  const size_t n_vocab = static_cast<size_t>(l.model->config().n_vocab);
  auto kv = testing::make_kv_cache(*l.be, *l.model, 3 * 64, 4);
  const int32_t seq_ids[] = {5, 1, 9};
  Batch b;
  for (size_t s = 0; s < prompts.size(); ++s) {
    kv->reserve(seq_ids[s], static_cast<int32_t>(prompts[s].size()));
    for (size_t i = 0; i < prompts[s].size(); ++i) {
      b.add(prompts[s][i], static_cast<int32_t>(i), seq_ids[s], true);
    }
  }
  std::vector<float> logits(b.size() * n_vocab);
  l.model->forward(b, *kv, logits);
  size_t row = 0;
  for (size_t s = 0; s < prompts.size(); ++s) {
    EXPECT_TRUE(same_bytes(logits.data() + row * n_vocab, want[s].data(), want[s].size()))
        << "prompt " << s << " batched vs solo";
    row += prompts[s].size();
  }
}

// One batch mixing three kinds of work: sequence 0 decodes the last token of prompt 0 (its
// other tokens prefilled before), sequence 1 prefills prompt 1 (every logit wanted), sequence 2
// continues a chunked prefill of prompt 2 (first half prefilled before; only the last logit).
void check_mixed(Loaded& l, const Prompts& prompts, const std::vector<std::vector<float>>& want) {
  const size_t n_vocab = static_cast<size_t>(l.model->config().n_vocab);
  auto kv = testing::make_kv_cache(*l.be, *l.model, 3 * 64, 4);
  const std::vector<int32_t>&p0 = prompts[0], &p1 = prompts[1], &p2 = prompts[2];
  const size_t n0 = p0.size(), half = p2.size() / 2;
  testing::run_tokens(*l.model, *kv, std::span<const int32_t>(p0).first(n0 - 1), 0, 0, false);
  testing::run_tokens(*l.model, *kv, std::span<const int32_t>(p2).first(half), 2, 0, false);
  Batch b;
  b.add(p0[n0 - 1], static_cast<int32_t>(n0 - 1), 0, true);
  for (size_t i = 0; i < p1.size(); ++i) b.add(p1[i], static_cast<int32_t>(i), 1, true);
  for (size_t i = half; i < p2.size(); ++i) {
    b.add(p2[i], static_cast<int32_t>(i), 2, i + 1 == p2.size());
  }
  kv->reserve(0, static_cast<int32_t>(n0));
  kv->reserve(1, static_cast<int32_t>(p1.size()));
  kv->reserve(2, static_cast<int32_t>(p2.size()));
  std::vector<float> logits((2 + p1.size()) * n_vocab);
  l.model->forward(b, *kv, logits);
  EXPECT_TRUE(same_bytes(logits.data(), want[0].data() + (n0 - 1) * n_vocab, n_vocab))
      << "decode of sequence 0 in a mixed batch vs its solo prefill";
  EXPECT_TRUE(same_bytes(logits.data() + n_vocab, want[1].data(), p1.size() * n_vocab))
      << "prefill of sequence 1 in a mixed batch vs solo";
  EXPECT_TRUE(same_bytes(logits.data() + (1 + p1.size()) * n_vocab,
                         want[2].data() + (p2.size() - 1) * n_vocab, n_vocab))
      << "chunked prefill of sequence 2 in a mixed batch vs its solo prefill";
}

// Prompt 0 in chunks of 3, then token by token: the last logits of each call match.
void check_chunked(Loaded& l, const Prompts& prompts, const std::vector<std::vector<float>>& want) {
  const size_t n_vocab = static_cast<size_t>(l.model->config().n_vocab);
  for (const size_t chunk : {size_t{3}, size_t{1}}) {
    auto kv = testing::make_kv_cache(*l.be, *l.model, 64, 4);
    const std::vector<int32_t>& p = prompts[0];
    for (size_t i = 0; i < p.size(); i += chunk) {
      const size_t n = std::min(chunk, p.size() - i);
      const std::vector<float> got =
          testing::run_tokens(*l.model, *kv, std::span<const int32_t>(p).subspan(i, n), 0,
                              static_cast<int32_t>(i), false);
      ASSERT_TRUE(same_bytes(got.data(), want[0].data() + (i + n - 1) * n_vocab, n_vocab))
          << "chunk " << chunk << " at " << i;
    }
  }
}

void check_model(const fs::path& path, const KernelTable& table, const Prompts& prompts) {
  ASSERT_TRUE(fs::exists(path)) << testing::model_missing_message(path);
  Loaded one = load(path, table, 1);
  const std::vector<std::vector<float>> want = solo(one, prompts);
  if (&table != &ref_kernels()) {
    // Every kernel path computes the reference's arithmetic: the same logits, bit for bit.
    Loaded ref = load(path, ref_kernels(), 1);
    const std::vector<std::vector<float>> ref_logits = solo(ref, prompts);
    for (size_t s = 0; s < prompts.size(); ++s) {
      EXPECT_TRUE(same_bytes(want[s], ref_logits[s])) << "prompt " << s << " vs the ref path";
    }
  }
  {
    SCOPED_TRACE("1 thread");
    check_chunked(one, prompts, want);
  }
  // More threads split the same rows differently: alone, then all prompts in one batch (2
  // threads) or the mixed decode + prefill batch (3 threads), against the 1-thread solo logits.
  for (const int threads : {2, 3}) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    Loaded l = load(path, table, threads);
    const std::vector<std::vector<float>> got = solo(l, prompts);
    for (size_t s = 0; s < prompts.size(); ++s) {
      EXPECT_TRUE(same_bytes(got[s], want[s])) << "prompt " << s << " solo vs 1 thread";
    }
    if (threads == 2) check_batched(l, prompts, want);
    if (threads == 3) check_mixed(l, prompts, want);
  }
}

fs::path tiny(const char* arch) {
  return testing::golden_dir() / "models" / "tiny" / (std::string(arch) + ".gguf");
}

// The real models get the short prompts on the reference path and under ASan; the SIMD paths
// are fast enough for the long ones.
const Prompts& real_prompts(const KernelTable& table) {
#if defined(__SANITIZE_ADDRESS__)
  (void)table;
  return kShortPrompts;
#else
  return std::string(table.name) == "ref" ? kShortPrompts : kPrompts;
#endif
}

class ModelBatchInvariance : public testing::KernelPathTest {};

TEST_P(ModelBatchInvariance, TinyLlama) { check_model(tiny("llama"), table(), kPrompts); }
TEST_P(ModelBatchInvariance, TinyQwen2) { check_model(tiny("qwen2"), table(), kPrompts); }
TEST_P(ModelBatchInvariance, TinyQwen3) { check_model(tiny("qwen3"), table(), kPrompts); }
// Gemma 3's window is 8 tokens in the tiny model: the longer prompts cross it.
TEST_P(ModelBatchInvariance, TinyGemma3) { check_model(tiny("gemma3"), table(), kPrompts); }
// Mixture of experts: a token's routing and expert sums must not depend on its batch-mates.
TEST_P(ModelBatchInvariance, TinyQwen3Moe) { check_model(tiny("qwen3moe"), table(), kPrompts); }
// MLA over the latent cache, both up-projection layouts, both routings.
TEST_P(ModelBatchInvariance, TinyDeepSeek2Lite) {
  check_model(tiny("deepseek2-lite"), table(), kPrompts);
}
TEST_P(ModelBatchInvariance, TinyDeepSeek2V3) {
  check_model(tiny("deepseek2-v3"), table(), kPrompts);
}
// GLM-4.5: partial RoPE, q/k/v biases, sigmoid routing with shared experts, an MTP block left out.
TEST_P(ModelBatchInvariance, TinyGlm4Moe) { check_model(tiny("glm4moe"), table(), kPrompts); }
// gpt-oss: sliding/full layers with sinks, softmax over the chosen experts, expert biases, MXFP4.
TEST_P(ModelBatchInvariance, TinyGptOss) { check_model(tiny("gpt-oss"), table(), kPrompts); }
// Chunked prefill runs the DeltaNet recurrence over the same tokens in other groupings: the
// state it leaves must give the same bits.
TEST_P(ModelBatchInvariance, TinyQwen35) { check_model(tiny("qwen35"), table(), kPrompts); }
TEST_P(ModelBatchInvariance, TinyQwen35Moe) { check_model(tiny("qwen35moe"), table(), kPrompts); }
TEST_P(ModelBatchInvariance, TinyQwen3Next) { check_model(tiny("qwen3next"), table(), kPrompts); }
TEST_P(ModelBatchInvariance, TinyGemma4) { check_model(tiny("gemma4"), table(), kPrompts); }
TEST_P(ModelBatchInvariance, SmolLM2) {
  check_model(testing::model_path(testing::kSmolLM2), table(), real_prompts(table()));
}
// The K-quant models (Q4_K, Q5_K, Q6_K weights with Q8_K activations; Q5_0/Q8_0 in places).
TEST_P(ModelBatchInvariance, Gemma3) {
  check_model(testing::model_path(testing::kGemma3), table(), real_prompts(table()));
}
TEST_P(ModelBatchInvariance, Qwen25) {
  check_model(testing::model_path(testing::kQwen2), table(), real_prompts(table()));
}

INSTANTIATE_TEST_SUITE_P(Paths, ModelBatchInvariance,
                         ::testing::ValuesIn(testing::kernel_path_names()),
                         testing::kernel_path_test_name);

}  // namespace
}  // namespace minke
