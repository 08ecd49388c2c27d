// The activation-memory estimate the memory plan prints is an upper bound of what a step really
// takes: a full-budget prefill on each real test model and on the tiny MoE and MLA models, the
// backend's arena measured afterwards.
#include "engine/model_setup.h"

#include <gtest/gtest.h>

#include "backend/cpu/cpu_backend.h"
#include "engine/engine.h"
#include "gguf/gguf_file.h"
#include "models/model.h"
#include "support/test_paths.h"
#include "tokenizer/tokenizer.h"

namespace minke {
namespace {

struct Measured {
  uint64_t arena = 0, estimate = 0;
};

Measured measure(const std::filesystem::path& path, int32_t n_ctx, int32_t max_batch) {
  auto file = GgufFile::open(path.string());
  auto tokenizer = Tokenizer::from_gguf(*file);
  auto backend = make_cpu_backend({.n_threads = 2});
  auto model = load_model(*file, *backend);
  const EngineOptions o{.n_ctx = n_ctx, .max_batch_tokens = max_batch};
  KvCache kv(*backend, kv_cache_options(*model, o));
  Engine engine(*model, kv, *tokenizer, o);
  // Two full steps and a decode: the second step attends to the first's keys too.
  engine.submit(Request{.prompt = std::vector<int32_t>(static_cast<size_t>(2 * max_batch), 7),
                        .sampling = {.temperature = 0},
                        .max_tokens = 2});
  engine.run_until_idle();
  return {backend->scratch_bytes(), activation_bytes_estimate(model->config(), max_batch)};
}

TEST(ActivationEstimate, BoundsTheRealModelsArena) {
  for (const char* name : {testing::kSmolLM2, testing::kQwen2, testing::kGemma3}) {
    const auto path = testing::model_path(name);
    ASSERT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
    const Measured m = measure(path, 4096, 512);
    EXPECT_LE(m.arena, m.estimate) << name;
    EXPECT_LE(m.estimate, 2 * m.arena) << name << ": the estimate should stay useful";
    std::printf("%s: arena %.1f MiB, estimate %.1f MiB\n", name, double(m.arena) / (1 << 20),
                double(m.estimate) / (1 << 20));
  }
}

TEST(ActivationEstimate, BoundsTheMixtureOfExpertsAndLatentAttentionArena) {
  for (const char* name :
       {"qwen3moe", "deepseek2-lite", "deepseek2-v3", "gemma3", "llama", "gemma4", "qwen35"}) {
    const auto path = testing::golden_dir() / "models" / "tiny" / (std::string(name) + ".gguf");
    const Measured m = measure(path, 256, 64);
    EXPECT_LE(m.arena, m.estimate) << name;
  }
}

}  // namespace
}  // namespace minke
