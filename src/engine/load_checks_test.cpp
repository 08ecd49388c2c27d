// check_has_weights and check_context: a vocabulary-only file and absurd contexts are refused
// with a message naming what to change, before anything large is allocated.
#include "engine/load_checks.h"

#include <gtest/gtest.h>

#include <string>

#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/model.h"
#include "support/test_paths.h"

namespace minke {
namespace {

// SmolLM2-135M's attention shape: 30 layers x 3 KV heads x 64 = 23040 bytes of f16 K+V a token.
constexpr int64_t kSmolKvBytesPerToken = 30 * 2 * 3 * 64 * 2;

ModelConfig smol_config() {
  return ModelConfig{.arch = "llama",
                     .n_vocab = 49152,
                     .n_ctx_train = 8192,
                     .n_layer = 30,
                     .n_head = 9,
                     .n_head_kv = 3,
                     .head_dim = 64};
}

std::string error_of(const ModelConfig& cfg, const ContextRequest& r) {
  try {
    check_context("m.gguf", cfg, r);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LoadChecks, ContextWithinTrainingAndMemoryIsAccepted) {
  EXPECT_EQ(error_of(smol_config(), {.n_ctx = 8192,
                                     .kv_bytes_per_token = kSmolKvBytesPerToken,
                                     .memory_bytes = 1ull << 30}),
            "");
}

TEST(LoadChecks, ContextBeyondTrainingNamesTheLimit) {
  const std::string e = error_of(smol_config(), {.n_ctx = 16777216, .memory_bytes = 1ull << 40});
  EXPECT_NE(e.find("m.gguf: a context of 16777216 tokens is more than the model was trained "
                   "for (8192): use -c 8192 or less"),
            std::string::npos)
      << e;
}

TEST(LoadChecks, ContextBeyondMemoryIsRefusedBeforeAllocating) {
  ModelConfig cfg = smol_config();
  cfg.n_ctx_train = 0;  // unknown: only memory limits it
  // 1M tokens x 23040 bytes = 22.5 GiB of KV cache on a 16 GiB machine.
  const std::string e = error_of(cfg, {.n_ctx = 1 << 20,
                                       .kv_bytes_per_token = kSmolKvBytesPerToken,
                                       .weight_bytes = 100u << 20,
                                       .memory_bytes = 16ull << 30});
  EXPECT_NE(e.find("KV cache 22.5 GiB"), std::string::npos) << e;
  EXPECT_NE(e.find("this machine has 16.0 GiB: use a smaller -c"), std::string::npos) << e;
  // Scratch buffers count too.
  EXPECT_NE(error_of(cfg, {.n_ctx = 1024, .scratch_bytes = 2ull << 30, .memory_bytes = 1ull << 30}),
            "");
}

TEST(LoadChecks, NonsenseContextSizesAreRefused) {
  EXPECT_NE(error_of(smol_config(), {.n_ctx = 0}), "");
  ModelConfig cfg = smol_config();
  cfg.n_ctx_train = 0;
  EXPECT_NE(error_of(cfg, {.n_ctx = int64_t{1} << 40}).find("must be from 1 to"),
            std::string::npos);
}

TEST(LoadChecks, PhysicalMemoryIsKnownOnLinux) { EXPECT_GT(physical_memory_bytes(), 0u); }

TEST(LoadChecks, VocabularyOnlyFileHasNoWeights) {
  const auto vocab =
      GgufFile::open((testing::golden_dir() / "vocab" / "smollm2-vocab.gguf").string());
  try {
    check_has_weights(*vocab);
    FAIL() << "a vocabulary-only file passed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no tensors"), std::string::npos) << e.what();
  }
  const auto path = testing::model_path(testing::kSmolLM2);
  ASSERT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
  EXPECT_NO_THROW(check_has_weights(*GgufFile::open(path.string())));
}

}  // namespace
}  // namespace minke
