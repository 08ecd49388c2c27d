// OpenAI response bodies: the chat and legacy shapes of whole answers and streamed chunks, and
// usage counting every choice (the e2e test checks them with the official client).
#include "server/openai_response.h"

#include <gtest/gtest.h>

namespace minke {
namespace {

using nlohmann::json;

std::vector<ChoiceOutput> two_choices() {
  std::vector<ChoiceOutput> outs(2);
  outs[0].text = "4";
  outs[0].reasoning = "2+2";
  outs[0].result = {.finish = FinishReason::kStop, .n_cached = 16, .n_generated = 3};
  outs[1].text = "four";
  outs[1].result = {.finish = FinishReason::kLength, .n_generated = 5};
  return outs;
}

TEST(OpenAiResponse, ChatCompletionHasMessagesReasoningAndUsage) {
  const json j = completion_json({.id = "chatcmpl-1", .created = 7, .model = "m", .chat = true}, 10,
                                 two_choices());
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "4");
  EXPECT_EQ(j["choices"][0]["message"]["reasoning_content"], "2+2");
  EXPECT_FALSE(j["choices"][1]["message"].contains("reasoning_content"));
  EXPECT_EQ(j["choices"][1]["finish_reason"], "length");
  EXPECT_TRUE(j["choices"][0]["logprobs"].is_null());
  EXPECT_EQ(j["usage"]["completion_tokens"], 8);
  EXPECT_EQ(j["usage"]["total_tokens"], 18);
  EXPECT_EQ(j["usage"]["prompt_tokens_details"]["cached_tokens"], 16);
}

TEST(OpenAiResponse, LegacyCompletionAndChunksUseText) {
  const ResponseMeta legacy{.id = "cmpl-1", .model = "m", .chat = false};
  const json j = completion_json(legacy, 1, two_choices());
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][1]["text"], "four");
  const json c =
      chunk_json(legacy, json::array({delta_choice_json(legacy, 0, {{"content", "x"}}, nullptr)}));
  EXPECT_EQ(c["object"], "text_completion");
  EXPECT_EQ(c["choices"][0]["text"], "x");
  const ResponseMeta chat{.id = "chatcmpl-1", .model = "m"};
  const json d = delta_choice_json(chat, 1, {{"reasoning_content", "hm"}}, "stop");
  EXPECT_EQ(d["delta"]["reasoning_content"], "hm");
  EXPECT_EQ(d["finish_reason"], "stop");
  EXPECT_EQ(d["index"], 1);
}

TEST(OpenAiResponse, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(dump(json("a\xff")), "\"a\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace minke
