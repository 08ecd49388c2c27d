// Engine and scheduler tests with a fake model: plans (decode first, prefill chunking by the
// token budget), several requests in one batch, stop conditions, cancellation, KV freed,
// preemption when the cache is full, context overflow.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "backend/cpu/cpu_backend.h"
#include "engine/fake_model_test.h"
#include "minke/error.h"

namespace minke {
namespace {

using testing::FakeModel;
using testing::ids_of;

struct Outcome {
  std::string text;
  RequestResult result;
  bool finished = false;
};

class EngineTest : public ::testing::Test {
 protected:
  void make(EngineOptions o, int32_t n_blocks = 0) {
    options_ = o;
    if (n_blocks == 0) n_blocks = Engine::kv_blocks_needed(o);
    n_blocks_ = n_blocks;
    kv_ = std::make_unique<KvCache>(
        *backend_,
        KvCacheOptions{.n_layer = 1,
                       .layout = {.block_size = o.block_size, .n_head_kv = 1, .head_dim = 8},
                       .n_blocks = n_blocks});
    engine_ = std::make_unique<Engine>(model_, *kv_, *tokenizer_, o);
  }

  // Greedy request whose text and result land in outcomes_[key].
  Request request(const std::string& prompt, const std::string& key, int32_t max_tokens = -1) {
    Outcome* out = &outcomes_[key];
    return Request{.prompt = ids_of(prompt),
                   .sampling = {.temperature = 0.0f},
                   .max_tokens = max_tokens,
                   .on_token =
                       [out](const TokenEvent& e) {
                         out->text += e.text;
                         return true;
                       },
                   .on_finish =
                       [out](const RequestResult& r) {
                         EXPECT_FALSE(out->finished) << "on_finish called twice";
                         out->result = r;
                         out->finished = true;
                       }};
  }

  std::unique_ptr<Backend> backend_ = make_cpu_backend({});
  std::unique_ptr<Tokenizer> tokenizer_ = testing::fake_tokenizer();
  FakeModel model_;
  std::unique_ptr<KvCache> kv_;
  std::unique_ptr<Engine> engine_;
  EngineOptions options_;
  int32_t n_blocks_ = 0;
  std::map<std::string, Outcome> outcomes_;
};

TEST_F(EngineTest, GeneratesUntilEndOfGenerationAndFreesKv) {
  make({.n_ctx = 64, .block_size = 4});
  engine_->submit(request("uvw", "a"));
  engine_->run_until_idle();
  const Outcome& o = outcomes_["a"];
  ASSERT_TRUE(o.finished);
  EXPECT_EQ(o.text, "xyz");  // then the end-of-generation token, not shown
  EXPECT_EQ(o.result.finish, FinishReason::kStop);
  EXPECT_EQ(o.result.n_prompt, 3);
  EXPECT_EQ(o.result.n_generated, 4);
  EXPECT_EQ(o.result.tokens.back(), testing::kFakeEos);
  EXPECT_EQ(kv_->n_free_blocks(), n_blocks_);
  // One prefill step of 3 tokens, then one token per step.
  ASSERT_EQ(model_.batches.size(), 4u);
  EXPECT_EQ(model_.batches[0].tokens, ids_of("uvw"));
  EXPECT_EQ(model_.batches[0].want_logits, (std::vector<uint8_t>{0, 0, 1}));
  EXPECT_EQ(model_.batches[1].tokens, ids_of("x"));
  EXPECT_EQ(model_.batches[1].positions, std::vector<int32_t>{3});
}

TEST_F(EngineTest, MaxTokensGivesLength) {
  make({.n_ctx = 64, .block_size = 4});
  engine_->submit(request("a", "a", 3));
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["a"].text, "bcd");
  EXPECT_EQ(outcomes_["a"].result.finish, FinishReason::kLength);
}

TEST_F(EngineTest, FullContextGivesLength) {
  make({.n_ctx = 6, .block_size = 4});
  engine_->submit(request("abcd", "a"));
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["a"].text, "ef");
  EXPECT_EQ(outcomes_["a"].result.finish, FinishReason::kLength);
}

TEST_F(EngineTest, StopStringEndsAndIsNotShown) {
  make({.n_ctx = 64, .block_size = 4});
  Request r = request("a", "a");
  r.stop = {"fg", "xyz"};
  engine_->submit(std::move(r));
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["a"].text, "bcde");
  EXPECT_EQ(outcomes_["a"].result.finish, FinishReason::kStop);
  EXPECT_EQ(outcomes_["a"].result.n_generated, 6);  // ..., 'f', 'g'
}

TEST_F(EngineTest, PrefillIsChunkedByTheTokenBudget) {
  make({.n_ctx = 64, .max_batch_tokens = 8, .block_size = 4});
  engine_->submit(request("abcdefghijklmnopqrst", "a", 2));  // 20 tokens
  engine_->run_until_idle();
  ASSERT_EQ(model_.batches.size(), 4u);
  EXPECT_EQ(model_.batches[0].size(), 8u);
  EXPECT_EQ(model_.batches[1].size(), 8u);
  EXPECT_EQ(model_.batches[1].positions.front(), 8);
  EXPECT_EQ(model_.batches[2].size(), 4u);
  EXPECT_EQ(model_.batches[0].want_logits.back(), 0);
  EXPECT_EQ(model_.batches[2].want_logits.back(), 1);
  EXPECT_EQ(outcomes_["a"].text, "uv");
}

TEST_F(EngineTest, SeveralRequestsShareStepsAndMatchSoloRuns) {
  make({.n_ctx = 64, .max_batch_tokens = 6, .max_seqs = 3, .block_size = 4});
  engine_->submit(request("abc", "x", 5));
  engine_->submit(request("mnopqrs", "y", 4));
  engine_->submit(request("u", "z"));
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["x"].text, "defgh");
  EXPECT_EQ(outcomes_["y"].text, "tuvw");
  EXPECT_EQ(outcomes_["z"].text, "vwxyz");
  // Step 0: "abc" (3) + first 3 of "mnopqrs". Step 1: decode of x first, then the rest of y
  // (4 tokens), then "u" does not fit the budget of 6... it waits for step 2.
  ASSERT_GE(model_.batches.size(), 3u);
  EXPECT_EQ(model_.batches[0].size(), 6u);
  EXPECT_EQ(model_.batches[1].tokens, (std::vector<int32_t>{'d', 'p', 'q', 'r', 's', 'u'}));
  std::set<int32_t> seqs(model_.batches[2].seq_ids.begin(), model_.batches[2].seq_ids.end());
  EXPECT_EQ(seqs.size(), 3u) << "all three decode in one batch";
  EXPECT_EQ(kv_->n_free_blocks(), n_blocks_);
}

TEST_F(EngineTest, CallbackReturningFalseCancels) {
  make({.n_ctx = 64, .block_size = 4});
  Request r = request("a", "a");
  int n = 0;
  r.on_token = [&n](const TokenEvent&) { return ++n < 2; };
  engine_->submit(std::move(r));
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["a"].result.finish, FinishReason::kCancelled);
  EXPECT_EQ(outcomes_["a"].result.n_generated, 2);
  EXPECT_EQ(kv_->n_free_blocks(), n_blocks_);
}

TEST_F(EngineTest, CancelFlagAndCancelByIdStopAtTheNextStep) {
  make({.n_ctx = 64, .max_seqs = 2, .block_size = 4});
  std::atomic<bool> flag{false};
  Request r1 = request("a", "flag");
  r1.cancel = &flag;
  engine_->submit(std::move(r1));
  const int64_t id2 = engine_->submit(request("b", "id"));
  engine_->step();  // prefill both, one token each
  engine_->step();
  flag = true;
  engine_->cancel(id2);
  engine_->step();
  EXPECT_FALSE(engine_->has_work());
  EXPECT_EQ(outcomes_["flag"].result.finish, FinishReason::kCancelled);
  EXPECT_EQ(outcomes_["flag"].text, "bc");
  EXPECT_EQ(outcomes_["id"].result.finish, FinishReason::kCancelled);
  EXPECT_EQ(outcomes_["id"].text, "cd");
  EXPECT_EQ(kv_->n_free_blocks(), n_blocks_);
  EXPECT_EQ(model_.batches.size(), 2u);  // the cancelled step ran nothing
}

TEST_F(EngineTest, FullCachePreemptsAndRecomputesWithSameOutput) {
  // 6 blocks of 4 tokens; each request grows to 1 + 25 tokens (7 blocks): they cannot both fit.
  make({.n_ctx = 28, .max_seqs = 2, .block_size = 4}, /*n_blocks=*/7);
  engine_->submit(request("a", "p"));
  engine_->submit(request("a", "q"));
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["p"].text, "bcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(outcomes_["q"].text, "bcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(outcomes_["q"].result.finish, FinishReason::kStop);
  EXPECT_EQ(kv_->n_free_blocks(), 7);
}

TEST_F(EngineTest, AFailingRequestEndsWithItsErrorAndTheOthersGoOn) {
  make({.n_ctx = 64, .max_seqs = 3, .block_size = 4});
  model_.fail_on_token = '#';
  engine_->submit(request("abc", "x", 4));
  engine_->submit(request("a#b", "bad"));
  engine_->submit(request("mno", "y", 4));
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["bad"].result.finish, FinishReason::kError);
  EXPECT_NE(outcomes_["bad"].result.error.find("cannot compute token 35"), std::string::npos)
      << outcomes_["bad"].result.error;
  EXPECT_EQ(outcomes_["x"].text, "defg");
  EXPECT_EQ(outcomes_["y"].text, "pqrs");
  EXPECT_EQ(outcomes_["x"].result.finish, FinishReason::kLength);
  EXPECT_EQ(kv_->n_free_blocks(), n_blocks_);
  // The first step failed as a batch, then ran x and y alone: their outputs equal solo runs.
  EXPECT_EQ(model_.batches[0].tokens, ids_of("abc"));
  EXPECT_EQ(model_.batches[1].tokens, ids_of("mno"));
}

TEST_F(EngineTest, ARequestWhoseReaderIsBehindSitsOutWithoutHoldingOthers) {
  make({.n_ctx = 64, .max_seqs = 2, .block_size = 4});
  bool reader_ready = true;
  Request slow = request("a", "slow", 6);
  slow.ready = [&reader_ready] { return reader_ready; };
  engine_->submit(std::move(slow));
  engine_->submit(request("m", "fast", 6));
  engine_->step();  // both prefill and sample one token
  reader_ready = false;
  while (engine_->run_step()) {
  }
  EXPECT_EQ(outcomes_["slow"].text, "b");
  EXPECT_EQ(outcomes_["fast"].text, "nopqrs");
  EXPECT_TRUE(engine_->has_work());  // "slow" waits for its reader
  reader_ready = true;
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["slow"].text, "bcdefg");
  EXPECT_EQ(kv_->n_free_blocks(), n_blocks_);
}

TEST_F(EngineTest, EndAllFinishesQueuedAndRunningRequests) {
  make({.n_ctx = 64, .max_seqs = 1, .block_size = 4});
  engine_->submit(request("a", "running"));
  engine_->step();
  engine_->submit(request("b", "queued"));
  engine_->end_all(FinishReason::kCancelled);
  EXPECT_FALSE(engine_->has_work());
  EXPECT_EQ(outcomes_["running"].result.finish, FinishReason::kCancelled);
  EXPECT_EQ(outcomes_["queued"].result.finish, FinishReason::kCancelled);
  EXPECT_EQ(kv_->n_free_blocks(), n_blocks_);
}

TEST_F(EngineTest, APromptPrefixSeenBeforeIsNotComputedAgain) {
  make({.n_ctx = 64, .max_seqs = 2, .block_size = 4});
  engine_->submit(request("abcdefghij", "first", 3));  // 10 tokens: blocks abcd, efgh + ij
  engine_->run_until_idle();
  const size_t before = model_.batches.size();
  engine_->submit(request("abcdefghijk", "second", 3));
  engine_->run_until_idle();
  // Two whole blocks (8 tokens) came from the cache: the first batch starts at position 8.
  EXPECT_EQ(model_.batches[before].tokens, ids_of("ijk"));
  EXPECT_EQ(model_.batches[before].positions.front(), 8);
  EXPECT_EQ(outcomes_["second"].result.n_cached, 8);
  EXPECT_EQ(outcomes_["first"].result.n_cached, 0);
  EXPECT_EQ(outcomes_["second"].text, "lmn");
  // A prompt of exactly two blocks still computes its last token (its logits pick the next).
  engine_->submit(request("abcdefgh", "third", 1));
  engine_->run_until_idle();
  EXPECT_EQ(outcomes_["third"].result.n_cached, 4);
  EXPECT_EQ(model_.batches.back().tokens, ids_of("efgh"));
  EXPECT_EQ(kv_->n_free_blocks(), n_blocks_);
}

TEST_F(EngineTest, PromptLongerThanContextIsAClearError) {
  make({.n_ctx = 8, .block_size = 4});
  try {
    engine_->submit(request("abcdefgh", "a"));
    FAIL() << "expected minke::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("8 tokens but the context holds 8"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(engine_->submit(request("", "b")), Error);
  Request bad = request("a", "c");
  bad.prompt = {999};
  EXPECT_THROW(engine_->submit(std::move(bad)), Error);
}

}  // namespace
}  // namespace minke
