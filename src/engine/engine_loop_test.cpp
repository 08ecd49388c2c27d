// Tests of EngineLoop and RequestStream with the fake model: callers on many threads share one
// loop and read their own output, a reader that stops reading holds back only its request and
// its queue stays bounded, and stopping the loop ends whatever is still in it.
#include "engine/engine_loop.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "engine/fake_model_test.h"
#include "engine/request_stream.h"

namespace minke {
namespace {

using testing::FakeModel;
using testing::ids_of;
using namespace std::chrono_literals;

class EngineLoopTest : public ::testing::Test {
 protected:
  void make(EngineOptions o) {
    kv_ = std::make_unique<KvCache>(
        *backend_,
        KvCacheOptions{.n_layer = 1,
                       .layout = {.block_size = o.block_size, .n_head_kv = 1, .head_dim = 8},
                       .n_blocks = Engine::kv_blocks_needed(o)});
    engine_ = std::make_unique<Engine>(model_, *kv_, *tokenizer_, o);
    loop_ = std::make_unique<EngineLoop>(*engine_);
  }

  std::shared_ptr<RequestStream> submit(const std::string& prompt, int32_t max_tokens,
                                        size_t capacity = 64) {
    auto stream = std::make_shared<RequestStream>(capacity, loop_->waker());
    Request r{
        .prompt = ids_of(prompt), .sampling = {.temperature = 0.0f}, .max_tokens = max_tokens};
    RequestStream::attach(stream, r);
    loop_->submit(std::move(r));
    return stream;
  }

  // Reads a stream to its end: the text and the result.
  static std::pair<std::string, RequestResult> drain(RequestStream& stream) {
    std::string text;
    for (;;) {
      RequestStream::Event e = stream.next();
      if (e.result) return {text, *e.result};
      text += e.text;
    }
  }

  std::unique_ptr<Backend> backend_ = make_cpu_backend({});
  std::unique_ptr<Tokenizer> tokenizer_ = testing::fake_tokenizer();
  FakeModel model_;
  std::unique_ptr<KvCache> kv_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<EngineLoop> loop_;
};

TEST_F(EngineLoopTest, CallersOnManyThreadsEachGetTheirOwnOutput) {
  make({.n_ctx = 64, .max_seqs = 4, .block_size = 4});
  const std::string letters = "abcdefghijklmnopqrstuvwxy";
  std::vector<std::string> got(16);
  std::vector<FinishReason> finish(16);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < got.size(); ++i) {
    callers.emplace_back([&, i] {
      auto stream = submit(std::string(1, letters[i]), 5);
      auto [text, result] = drain(*stream);
      got[i] = text;
      finish[i] = result.finish;
    });
  }
  for (std::thread& t : callers) t.join();
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], letters.substr(i + 1, 5)) << "caller " << i;
    EXPECT_EQ(finish[i], FinishReason::kLength);
  }
  EXPECT_EQ(kv_->n_free_blocks(),
            Engine::kv_blocks_needed({.n_ctx = 64, .max_seqs = 4, .block_size = 4}));
}

TEST_F(EngineLoopTest, AReaderThatStopsReadingHoldsBackOnlyItsRequest) {
  make({.n_ctx = 64, .max_seqs = 2, .block_size = 4});
  auto idle = submit("a", 20, /*capacity=*/4);
  auto busy = submit("m", 10);
  auto [text, result] = drain(*busy);
  EXPECT_EQ(text, "nopqrstuvw");
  // The idle reader's queue filled to its bound and its request waits, still running.
  std::this_thread::sleep_for(20ms);
  EXPECT_LE(idle->size(), 4u);
  EXPECT_GE(idle->size(), 2u);
  auto [idle_text, idle_result] = drain(*idle);
  EXPECT_EQ(idle_text, "bcdefghijklmnopqrstu");
  EXPECT_EQ(idle_result.finish, FinishReason::kLength);
}

TEST_F(EngineLoopTest, CancelEndsARequestWhileOthersRun) {
  make({.n_ctx = 64, .max_seqs = 2, .block_size = 4});
  EngineLoop* loop = loop_.get();
  auto stream = std::make_shared<RequestStream>(4, loop->waker());
  Request r{.prompt = ids_of("a"), .sampling = {.temperature = 0.0f}, .max_tokens = 1000};
  RequestStream::attach(stream, r);
  const int64_t id = loop->submit(std::move(r));
  auto other = submit("m", 5);
  EXPECT_EQ(stream->next().text, "b");
  loop->cancel(id);
  auto [text, result] = drain(*stream);
  EXPECT_EQ(result.finish, FinishReason::kCancelled);
  EXPECT_LE(text.size(), 4u);  // what was queued before the cancel took effect
  EXPECT_EQ(drain(*other).first, "nopqr");
}

TEST_F(EngineLoopTest, DestroyingTheLoopEndsWhatIsStillInIt) {
  make({.n_ctx = 64, .max_seqs = 1, .block_size = 4});
  auto first = submit("a", 1000, /*capacity=*/2);  // waits for its reader after a token or two
  auto queued = submit("m", 3);
  loop_.reset();
  auto [t1, r1] = drain(*first);
  auto [t2, r2] = drain(*queued);
  EXPECT_EQ(r1.finish, FinishReason::kCancelled);
  EXPECT_EQ(r2.finish, FinishReason::kCancelled);
  EXPECT_TRUE(t2.empty());
}

TEST_F(EngineLoopTest, AModelFailureEndsOnlyItsRequestWithTheMessage) {
  make({.n_ctx = 64, .max_seqs = 2, .block_size = 4});
  model_.fail_on_token = '#';
  auto bad = submit("#", 3);
  auto good = submit("x", 3);
  auto [bad_text, bad_result] = drain(*bad);
  auto [good_text, good_result] = drain(*good);
  EXPECT_EQ(bad_result.finish, FinishReason::kError);
  EXPECT_NE(bad_result.error.find("cannot compute token 35"), std::string::npos);
  EXPECT_EQ(good_text, "yz");
  EXPECT_EQ(good_result.finish, FinishReason::kStop);
}

}  // namespace
}  // namespace minke
