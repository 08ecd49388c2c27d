// Tests of the <think> splitter: whole tags, tags split at every byte, false alarms, flush.
#include "chat/reasoning.h"

#include <gtest/gtest.h>

namespace minke {
namespace {

// Concatenates the pieces per side, checking they alternate (no two adjacent of one side).
struct Split {
  std::string thinking, answer;
  int switches = 0;
};

void collect(const std::vector<ReasoningPiece>& pieces, Split& s, int& last_side) {
  for (const ReasoningPiece& p : pieces) {
    EXPECT_FALSE(p.text.empty());
    (p.thinking ? s.thinking : s.answer) += p.text;
    if (last_side != -1 && last_side != int(p.thinking)) ++s.switches;
    last_side = p.thinking;
  }
}

Split split_in_pieces(std::string_view text, size_t piece, ReasoningOptions opts = {}) {
  ReasoningSplitter splitter(opts);
  Split s;
  int last = -1;
  for (size_t i = 0; i < text.size(); i += piece)
    collect(splitter.push(text.substr(i, piece)), s, last);
  collect(splitter.flush(), s, last);
  return s;
}

TEST(ReasoningSplitter, SeparatesThinkingFromAnswer) {
  const Split s = split_in_pieces("<think>\nLet me see.\n</think>\n\nThe answer is 4.", 1000);
  EXPECT_EQ(s.thinking, "Let me see.");
  EXPECT_EQ(s.answer, "The answer is 4.");
  EXPECT_EQ(s.switches, 1);
}

TEST(ReasoningSplitter, WhitespaceAroundTagsBelongsToNeitherSideInAnyPieces) {
  const std::string text = "Hi <think> \n a \n b\n\n </think>\n\n c \n";
  for (size_t piece = 1; piece <= text.size(); ++piece) {
    const Split s = split_in_pieces(text, piece);
    EXPECT_EQ(s.thinking, "a \n b") << "piece size " << piece;
    EXPECT_EQ(s.answer, "Hi c \n") << "piece size " << piece;
  }
}

TEST(ReasoningSplitter, TrailingSpaceOfUnclosedReasoningIsKeptAtFlush) {
  const Split s = split_in_pieces("\nthought \n", 2, {.start_in_reasoning = true});
  EXPECT_EQ(s.thinking, "thought \n");
  EXPECT_TRUE(s.answer.empty());
}

TEST(ReasoningSplitter, TagsSplitAtEveryByteGiveTheSameResult) {
  const std::string text = "pre<think>a<b</thin</think>c</think>d<thin";
  for (size_t piece = 1; piece <= text.size(); ++piece) {
    const Split s = split_in_pieces(text, piece);
    EXPECT_EQ(s.thinking, "a<b</thin") << "piece size " << piece;
    EXPECT_EQ(s.answer, "prec</think>d<thin") << "piece size " << piece;
  }
}

TEST(ReasoningSplitter, HoldsBackOnlyAPossibleTag) {
  ReasoningSplitter splitter;
  auto out = splitter.push("Hello <th");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "Hello ");
  out = splitter.push("ere");  // "<there" is not a tag
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "<there");
  EXPECT_FALSE(out[0].thinking);
}

TEST(ReasoningSplitter, StartsInReasoningWhenThePromptOpenedIt) {
  const Split s = split_in_pieces("thought</think>answer", 3, {.start_in_reasoning = true});
  EXPECT_EQ(s.thinking, "thought");
  EXPECT_EQ(s.answer, "answer");
}

TEST(ReasoningSplitter, UnfinishedTagIsFlushedAsText) {
  ReasoningSplitter splitter;
  EXPECT_TRUE(splitter.push("<thi").empty());
  const auto out = splitter.flush();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "<thi");
}

TEST(ReasoningSplitter, PromptOpensReasoning) {
  EXPECT_TRUE(prompt_opens_reasoning("<|Assistant|><think>\n"));
  EXPECT_FALSE(prompt_opens_reasoning("<think>x</think>answer<|User|>"));
  EXPECT_FALSE(prompt_opens_reasoning("<|im_start|>assistant\n"));
}

// Gemma 4's thought channel: <|channel>thought ... <channel|>, whatever the piece size; its
// template closes an empty channel in the prompt when thinking is off.
TEST(ReasoningSplitter, SplitsGemma4sThoughtChannel) {
  const ReasoningOptions gemma4{.open_tag = "<|channel>thought", .close_tag = "<channel|>"};
  for (const size_t piece : {size_t{1}, size_t{3}, size_t{1000}}) {
    const Split s =
        split_in_pieces("<|channel>thought\nCount: two.\n<channel|>It is 2.", piece, gemma4);
    EXPECT_EQ(s.thinking, "Count: two.") << piece;
    EXPECT_EQ(s.answer, "It is 2.") << piece;
  }
  EXPECT_FALSE(prompt_opens_reasoning("<|turn>model\n<|channel>thought\n<channel|>", gemma4));
  EXPECT_TRUE(prompt_opens_reasoning("<|turn>model\n<|channel>thought\n", gemma4));
  EXPECT_FALSE(prompt_opens_reasoning("<|turn>model\n", gemma4));
}

}  // namespace
}  // namespace minke
