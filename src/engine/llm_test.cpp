// Tests of the public API (include/minke/minke.h): reasoning on the scripted R1 model
// (scripts/make_scripted_model.py: it thinks "Two plus two is four." and answers "The answer:
// 4"), and many threads generating at once on random-weight models (qwen2, and qwen35 whose
// recurrent state cannot be cut back), each getting the tokens it would get alone.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "minke/minke.h"

namespace minke {
namespace {

std::string tiny_model(const std::string& name) {
  return std::string(MINKE_SOURCE_DIR) + "/tests/golden/data/models/tiny/" + name + ".gguf";
}

std::string scripted_r1_path() { return tiny_model("r1-scripted"); }

TEST(Llm, ChatSplitsReasoningFromTheAnswer) {
  auto llm = Llm::load({.path = scripted_r1_path(), .threads = 1});
  std::string streamed_thinking, streamed_answer;
  const GenerateResult r = llm->chat({{"user", "What is 2+2?"}}, {}, [&](const GenerateChunk& c) {
    (c.thinking ? streamed_thinking : streamed_answer) += c.text;
    return true;
  });
  EXPECT_EQ(r.reasoning, "Two plus two is four.");
  EXPECT_EQ(r.text, "The answer: 4");
  EXPECT_EQ(streamed_thinking, r.reasoning);
  EXPECT_EQ(streamed_answer, r.text);
  EXPECT_EQ(r.finish, FinishReason::kStop);
  EXPECT_EQ(r.n_prompt, 17);
  EXPECT_EQ(r.n_generated, 15);  // 14 text tokens and the end-of-sentence token
}

TEST(Llm, GenerateSplitsReasoningWhenAsked) {
  auto llm = Llm::load({.path = scripted_r1_path(), .threads = 1});
  const std::vector<int32_t> ids = llm->prompt_tokens("<｜User｜>2+2?<｜Assistant｜><think>\n");
  const GenerateResult r = llm->generate(ids, {.split_reasoning = true, .reasoning_open = true});
  EXPECT_EQ(r.reasoning, "Two plus two is four.");
  EXPECT_EQ(r.text, "The answer: 4");
  const GenerateResult raw = llm->generate(ids);
  EXPECT_EQ(raw.text, "Two plus two is four.</think>\n\nThe answer: 4");
  EXPECT_TRUE(raw.reasoning.empty());
}

TEST(Llm, GenerateKeepsTheModelsOwnText) {
  auto llm = Llm::load({.path = scripted_r1_path(), .threads = 1});
  const GenerateResult r = llm->generate("<｜User｜>2+2?<｜Assistant｜><think>\n");
  EXPECT_EQ(r.text, "Two plus two is four.</think>\n\nThe answer: 4");
  EXPECT_TRUE(r.reasoning.empty());
}

// A transformer (qwen2) and a hybrid with recurrent state (qwen35).
const char* const kModels[] = {"qwen2", "qwen35"};
void threads_get_their_solo_tokens(const char* model);
void prefix_gives_the_same_tokens(const char* model);
void preempted_requests_get_their_solo_tokens(const char* model);

TEST(Llm, ThreadsGeneratingAtOnceGetTheirSoloTokens) {
  for (const char* model : kModels) {
    SCOPED_TRACE(model);
    threads_get_their_solo_tokens(model);
  }
}

void threads_get_their_solo_tokens(const char* model) {
  const std::vector<std::string> prompts = {"the", "in a", "at the where", "s", "on or", "he"};
  GenerateOptions greedy{.sampling = {.temperature = 0}, .max_tokens = 24};
  std::vector<std::string> solo;
  {
    auto llm = Llm::load({.path = tiny_model(model), .threads = 2});
    for (const std::string& p : prompts) solo.push_back(llm->generate(p, greedy).text);
  }
  auto llm = Llm::load({.path = tiny_model(model), .threads = 2, .parallel = 3});
  std::vector<std::string> together(prompts.size());
  std::vector<std::thread> callers;
  for (size_t i = 0; i < prompts.size(); ++i) {
    callers.emplace_back([&, i] { together[i] = llm->generate(prompts[i], greedy).text; });
  }
  for (std::thread& t : callers) t.join();
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_FALSE(solo[i].empty());
    EXPECT_EQ(together[i], solo[i]) << "prompt '" << prompts[i] << "'";
  }
}

TEST(Llm, APrefixFromTheCacheGivesTheSameTokensAsComputingIt) {
  for (const char* model : kModels) {
    SCOPED_TRACE(model);
    prefix_gives_the_same_tokens(model);
  }
}

void prefix_gives_the_same_tokens(const char* model) {
  GenerateOptions greedy{.sampling = {.temperature = 0}, .max_tokens = 16};
  const std::string base = "the in a at where the s on or he the in a at where the s on or he";
  const std::string longer = base + " the at";
  std::string cold;
  {
    auto llm = Llm::load({.path = tiny_model(model), .threads = 2});
    const GenerateResult r = llm->generate(longer, greedy);
    EXPECT_EQ(r.n_cached, 0);
    cold = r.text;
  }
  auto llm = Llm::load({.path = tiny_model(model), .threads = 2});
  llm->generate(base, greedy);
  const GenerateResult warm = llm->generate(longer, greedy);
  EXPECT_GE(warm.n_cached, 16) << "the first blocks of the prompt were cached";
  EXPECT_EQ(warm.text, cold);
  // The whole conversation again: its answer was cached too, and changes nothing.
  const GenerateResult again = llm->generate(longer, greedy);
  EXPECT_GT(again.n_cached, warm.n_cached - 1);
  EXPECT_EQ(again.text, cold);
}

TEST(Llm, RequestsSharingAPoolTooSmallForAllGetTheirSoloTokens) {
  for (const char* model : kModels) {
    SCOPED_TRACE(model);
    preempted_requests_get_their_solo_tokens(model);
  }
}

void preempted_requests_get_their_solo_tokens(const char* model) {
  // The pool holds one whole context; three requests together need more, so the scheduler
  // preempts and recomputes, and every answer is still its solo answer.
  const std::vector<std::string> prompts = {"the in a at", "where the s", "on or he the"};
  GenerateOptions greedy{.sampling = {.temperature = 0}, .max_tokens = 40};
  std::vector<std::string> solo;
  {
    auto llm = Llm::load({.path = tiny_model(model), .threads = 2, .ctx_size = 64});
    for (const std::string& p : prompts) solo.push_back(llm->generate(p, greedy).text);
  }
  auto llm = Llm::load(
      {.path = tiny_model(model), .threads = 2, .ctx_size = 64, .kv_tokens = 64, .parallel = 3});
  EXPECT_EQ(llm->memory_plan().kv_tokens, 64);
  std::vector<std::string> together(prompts.size());
  std::vector<std::thread> callers;
  for (size_t i = 0; i < prompts.size(); ++i) {
    callers.emplace_back([&, i] { together[i] = llm->generate(prompts[i], greedy).text; });
  }
  for (std::thread& t : callers) t.join();
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(together[i], solo[i]) << prompts[i];
}

TEST(Llm, AMemoryBudgetSizesTheKvCacheOrSaysWhatDoesNotFit) {
  auto llm = Llm::load({.path = tiny_model("qwen2"), .ctx_size = 128});
  const MemoryPlan plain = llm->memory_plan();
  EXPECT_EQ(plain.kv_tokens, 128);
  EXPECT_EQ(plain.kv_cache, plain.kv_bytes_per_token * 128);
  EXPECT_GT(plain.buffers, 0u);
  const uint64_t budget = plain.weights + plain.buffers + plain.kv_bytes_per_token * 1000;
  auto sized = Llm::load({.path = tiny_model("qwen2"), .ctx_size = 128, .memory_budget = budget});
  const MemoryPlan m = sized->memory_plan();
  EXPECT_EQ(m.kv_tokens, 992);  // whole blocks of 16 within the 1000 tokens the budget leaves
  EXPECT_LE(m.total(), budget);
  try {
    Llm::load({.path = tiny_model("qwen2"), .ctx_size = 128, .memory_budget = plain.weights});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("leaving 0 MiB for the KV cache"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Llm::load({.path = tiny_model("qwen2"), .ctx_size = 128, .kv_tokens = 100}), Error);
}

TEST(Llm, ACallbackThatThrowsOrStopsLeavesTheLlmUsable) {
  auto llm = Llm::load({.path = scripted_r1_path(), .threads = 1});
  EXPECT_THROW(llm->chat({{"user", "hi"}}, {},
                         [](const GenerateChunk&) -> bool { throw std::runtime_error("client"); }),
               std::runtime_error);
  int chunks = 0;
  const GenerateResult stopped =
      llm->chat({{"user", "hi"}}, {}, [&](const GenerateChunk&) { return ++chunks < 3; });
  EXPECT_EQ(stopped.finish, FinishReason::kCancelled);
  EXPECT_EQ(chunks, 3);
  EXPECT_EQ(llm->chat({{"user", "hi"}}).text, "The answer: 4");
}

TEST(Llm, BadOptionsAreErrors) {
  EXPECT_THROW(Llm::load({.path = scripted_r1_path(), .parallel = 0}), Error);
  EXPECT_THROW(Llm::load({.path = scripted_r1_path(), .threads = -1}), Error);
}

}  // namespace
}  // namespace minke
