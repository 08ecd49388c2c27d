// Tests of the public API (include/minke/minke.h) on the scripted R1 model
// (scripts/make_scripted_model.py): it thinks "Two plus two is four." and answers "The answer: 4".
#include <gtest/gtest.h>

#include <string>

#include "minke/minke.h"

namespace minke {
namespace {

std::string scripted_r1_path() {
  return std::string(MINKE_SOURCE_DIR) + "/tests/golden/data/models/tiny/r1-scripted.gguf";
}

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

TEST(Llm, GenerateKeepsTheModelsOwnText) {
  auto llm = Llm::load({.path = scripted_r1_path(), .threads = 1});
  const GenerateResult r = llm->generate("<｜User｜>2+2?<｜Assistant｜><think>\n");
  EXPECT_EQ(r.text, "Two plus two is four.</think>\n\nThe answer: 4");
  EXPECT_TRUE(r.reasoning.empty());
}

}  // namespace
}  // namespace minke
