// OpenAI request parsing: every field reaches the options, unset fields keep Minke's defaults,
// and each client mistake is a 400 naming the parameter (the e2e test covers the HTTP side).
#include "server/openai_request.h"

#include <gtest/gtest.h>

namespace minke {
namespace {

using nlohmann::json;

json chat(json extra = json::object()) {
  json body = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  body.update(extra);
  return body;
}

// The parameter a bad body is refused for (empty when it is accepted).
std::string refused_param(const json& body) {
  try {
    parse_chat_request(body);
    return "";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.type, "invalid_request_error");
    return e.param.empty() ? "(none)" : e.param;
  }
}

TEST(OpenAiRequest, ChatFieldsReachTheOptions) {
  const ChatRequest r = parse_chat_request(chat({{"temperature", 0.25},
                                                 {"top_p", 0.5},
                                                 {"top_k", 7},
                                                 {"min_p", 0.2},
                                                 {"presence_penalty", 1},
                                                 {"frequency_penalty", -1},
                                                 {"seed", 99},
                                                 {"max_completion_tokens", 12},
                                                 {"stop", "END"},
                                                 {"n", 3},
                                                 {"stream", true},
                                                 {"stream_options", {{"include_usage", true}}}}));
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, "user");
  EXPECT_EQ(r.messages[0].content, "hi");
  EXPECT_FLOAT_EQ(r.options.sampling.temperature, 0.25f);
  EXPECT_FLOAT_EQ(r.options.sampling.top_p, 0.5f);
  EXPECT_EQ(r.options.sampling.top_k, 7);
  EXPECT_FLOAT_EQ(r.options.sampling.min_p, 0.2f);
  EXPECT_FLOAT_EQ(r.options.sampling.presence_penalty, 1.0f);
  EXPECT_FLOAT_EQ(r.options.sampling.frequency_penalty, -1.0f);
  EXPECT_EQ(r.options.sampling.seed, 99u);
  EXPECT_EQ(r.options.max_tokens, 12);
  EXPECT_EQ(r.options.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r.n, 3);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
}

TEST(OpenAiRequest, LogprobsInTheChatAndTheLegacyShapes) {
  EXPECT_EQ(parse_chat_request(chat()).options.logprobs, -1);
  EXPECT_EQ(parse_chat_request(chat({{"logprobs", true}})).options.logprobs, 0);
  EXPECT_EQ(parse_chat_request(chat({{"logprobs", true}, {"top_logprobs", 5}})).options.logprobs,
            5);
  EXPECT_EQ(parse_chat_request(chat({{"logprobs", false}})).options.logprobs, -1);
  const json completion = {{"model", "m"}, {"prompt", "x"}, {"logprobs", 3}};
  EXPECT_EQ(parse_completion_request(completion).options.logprobs, 3);
}

TEST(OpenAiRequest, UnsetFieldsKeepTheDefaults) {
  const ChatRequest r = parse_chat_request(chat({{"seed", nullptr}, {"stop", nullptr}}));
  const SamplingOptions defaults;
  EXPECT_EQ(r.options.sampling.temperature, defaults.temperature);
  EXPECT_EQ(r.options.sampling.top_k, defaults.top_k);
  EXPECT_EQ(r.options.sampling.seed, kAnySeed);
  EXPECT_EQ(r.options.max_tokens, -1);
  EXPECT_TRUE(r.options.stop.empty());
  EXPECT_EQ(r.n, 1);
  EXPECT_FALSE(r.stream);
}

TEST(OpenAiRequest, MessagesTakeTextPartsAndTheDeveloperRole) {
  const ChatRequest r = parse_chat_request(
      chat({{"messages",
             {{{"role", "developer"}, {"content", "Be brief."}},
              {{"role", "user"},
               {"content", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}},
              {{"role", "assistant"}, {"content", nullptr}}}}}));
  ASSERT_EQ(r.messages.size(), 3u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "ab");
  EXPECT_EQ(r.messages[2].content, "");
}

TEST(OpenAiRequest, EachMistakeNamesItsParameter) {
  EXPECT_EQ(refused_param(chat()), "");
  EXPECT_EQ(refused_param(json::array()), "(none)");
  EXPECT_EQ(refused_param(chat({{"model", 3}})), "model");
  EXPECT_EQ(refused_param(json{{"messages", json::array()}}), "model");
  EXPECT_EQ(refused_param(chat({{"messages", json::array()}})), "messages");
  EXPECT_EQ(refused_param(chat({{"messages", "hi"}})), "messages");
  EXPECT_EQ(refused_param(chat({{"messages", {{{"role", "robot"}, {"content", "x"}}}}})),
            "messages[0].role");
  EXPECT_EQ(refused_param(chat({{"messages", {{{"role", "user"}}}}})), "messages[0].content");
  EXPECT_EQ(refused_param(chat({{"temperature", 2.5}})), "temperature");
  EXPECT_EQ(refused_param(chat({{"temperature", "hot"}})), "temperature");
  EXPECT_EQ(refused_param(chat({{"top_p", 0}})), "top_p");
  EXPECT_EQ(refused_param(chat({{"top_k", 1.5}})), "top_k");
  EXPECT_EQ(refused_param(chat({{"max_tokens", 0}})), "max_tokens");
  EXPECT_EQ(refused_param(chat({{"max_completion_tokens", -3}})), "max_completion_tokens");
  EXPECT_EQ(refused_param(chat({{"n", 17}})), "n");
  EXPECT_EQ(refused_param(chat({{"seed", 1e30}})), "seed");
  EXPECT_EQ(refused_param(chat({{"seed", 18446744073709551615ull}})), "seed");
  EXPECT_EQ(refused_param(chat({{"stop", {"a", 2}}})), "stop");
  EXPECT_EQ(refused_param(chat({{"stop", ""}})), "stop");
  EXPECT_EQ(refused_param(chat({{"stream", "yes"}})), "stream");
  EXPECT_EQ(refused_param(chat({{"stream_options", 1}})), "stream_options");
  EXPECT_EQ(refused_param(chat({{"tools", {{{"type", "function"}}}}})), "tools");
  EXPECT_EQ(refused_param(chat({{"tools", json::array()}})), "");
  EXPECT_EQ(refused_param(chat({{"response_format", {{"type", "json_object"}}}})),
            "response_format");
  EXPECT_EQ(refused_param(chat({{"response_format", {{"type", "text"}}}})), "");
  EXPECT_EQ(refused_param(chat({{"logprobs", true}, {"top_logprobs", 21}})), "top_logprobs");
  EXPECT_EQ(refused_param(chat({{"top_logprobs", 2}})), "top_logprobs");
  EXPECT_EQ(refused_param(chat({{"logprobs", 1}})), "logprobs");
  EXPECT_EQ(refused_param(chat({{"unknown_field", {1, 2}}})), "");  // ignored, as OpenAI's SDKs
}

TEST(OpenAiRequest, CompletionPromptsAreTextOrTokenIds) {
  json body = {{"model", "m"}, {"prompt", "Once"}};
  EXPECT_EQ(parse_completion_request(body).prompt, "Once");
  body["prompt"] = {1, 2, 3};
  EXPECT_EQ(parse_completion_request(body).prompt_tokens, (std::vector<int32_t>{1, 2, 3}));
  body["prompt"] = {"Once"};
  EXPECT_EQ(parse_completion_request(body).prompt, "Once");
  for (const json& bad : {json(""), json::array(), json{1, -2}, json{"a", "b"}, json(5)}) {
    body["prompt"] = bad;
    EXPECT_THROW(parse_completion_request(body), ApiError) << bad.dump();
  }
}

TEST(OpenAiRequest, ErrorBodyIsOpenAisShape) {
  const json e = error_body(ApiError::invalid("bad", "temperature"));
  EXPECT_EQ(e["error"]["message"], "bad");
  EXPECT_EQ(e["error"]["type"], "invalid_request_error");
  EXPECT_EQ(e["error"]["param"], "temperature");
  EXPECT_TRUE(e["error"]["code"].is_null());
}

}  // namespace
}  // namespace minke
