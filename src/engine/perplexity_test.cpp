// compute_perplexity with the fake model on the engine: chunking, BOS replacement, second-half
// scoring, each chunk a scoring request from an empty cache.
#include "engine/perplexity.h"

#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu/cpu_backend.h"
#include "engine/engine.h"
#include "engine/fake_model_test.h"
#include "minke/error.h"

namespace minke {
namespace {

// A one-sequence engine over a fake model with a context of 8 (two blocks of 4).
struct PerplexityRig {
  explicit PerplexityRig(int32_t n_batch = 8)
      : kv(*backend, KvCacheOptions{.n_layer = 1,
                                    .layout = {.block_size = 4, .n_head_kv = 1, .head_dim = 8},
                                    .n_blocks = 2}),
        engine(model, kv, *tokenizer,
               EngineOptions{.n_ctx = 8,
                             .max_batch_tokens = std::max(n_batch, 1),
                             .block_size = 4,
                             .prefix_cache = false}) {}
  std::unique_ptr<Backend> backend = make_cpu_backend({});
  std::unique_ptr<Tokenizer> tokenizer = testing::fake_tokenizer();
  testing::FakeModel model;
  KvCache kv;
  Engine engine;
};

TEST(Perplexity, ScoresTheSecondHalfOfEachChunk) {
  PerplexityRig rig(3);
  // 18 tokens: two chunks of 8 (the tail of 2 is dropped); every next letter is predicted.
  const std::vector<int32_t> tokens = testing::ids_of("abcdefghijklmnopqr");
  const PerplexityResult r =
      compute_perplexity(rig.engine, tokens, {.n_ctx = 8, .n_batch = 3, .bos = 'z'});
  EXPECT_EQ(r.n_chunk, 2);
  EXPECT_EQ(r.count, 6);  // positions 4, 5, 6 of each chunk
  const double nll = std::log(1.0 + 256.0 * std::exp(-10.0));
  EXPECT_NEAR(r.ppl, std::exp(nll), 1e-6);
  EXPECT_NEAR(r.ppl_error, 0.0, 1e-6);
  ASSERT_EQ(r.running_ppl.size(), 2u);
  // Each chunk starts from an empty cache with BOS in place of its first token.
  ASSERT_EQ(rig.model.batches.size(), 6u);
  EXPECT_EQ(rig.model.batches[0].tokens, (std::vector<int32_t>{'z', 'b', 'c'}));
  EXPECT_EQ(rig.model.batches[3].tokens, (std::vector<int32_t>{'z', 'j', 'k'}));
  EXPECT_EQ(rig.model.batches[3].positions, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(rig.kv.n_free_blocks(), 2);
}

TEST(Perplexity, WrongPredictionsRaiseIt) {
  PerplexityRig rig;
  const std::vector<int32_t> tokens = testing::ids_of("aaaaaaaaaaaaaaaa");
  const PerplexityResult r = compute_perplexity(rig.engine, tokens, {.n_ctx = 8});
  // 'b' is predicted, 'a' follows: p(a) = 1 / (e^10 + 256).
  EXPECT_NEAR(std::log(r.ppl), std::log(std::exp(10.0) + 256.0), 1e-6);
}

TEST(Perplexity, TooShortTextIsAClearError) {
  PerplexityRig rig;
  const std::vector<int32_t> tokens = testing::ids_of("abcdefghijk");
  EXPECT_THROW(compute_perplexity(rig.engine, tokens, {.n_ctx = 8}), Error);
}

// A zero batch used to loop forever in score_chunk (b0 += 0); now it is refused up front.
TEST(Perplexity, ZeroBatchIsAClearError) {
  PerplexityRig rig;
  const std::vector<int32_t> tokens = testing::ids_of("aaaaaaaaaaaaaaaa");
  EXPECT_THROW(compute_perplexity(rig.engine, tokens, {.n_ctx = 8, .n_batch = 0}), Error);
}

// Front ends check the token count before loading weights; the message says what to change.
TEST(Perplexity, InputCheckNamesTheNeededLength) {
  EXPECT_NO_THROW(check_perplexity_input(16, {.n_ctx = 8}));
  try {
    check_perplexity_input(15, {.n_ctx = 8});
    FAIL() << "15 tokens with n_ctx 8 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs at least 16"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("smaller -c"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minke
