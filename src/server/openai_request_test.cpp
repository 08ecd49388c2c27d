// OpenAI request parsing: every field reaches the options, unset fields keep Minke's defaults,
// and each client mistake is a 400 naming the parameter (the e2e test covers the HTTP side).
#include "server/openai_request.h"

#include <gtest/gtest.h>

#include "chat/bounded_json.h"
#include "chat/tool_messages.h"

namespace minke {
namespace {

using json = nlohmann::ordered_json;

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

// An assistant turn's reasoning as DeepSeek's API returns it, or as "reasoning"; the template
// sees it as reasoning_content and thinking (gpt-oss's name).
TEST(OpenAiRequest, AssistantReasoningReachesTheTemplate) {
  const ChatRequest r = parse_chat_request(
      chat({{"messages",
             {{{"role", "user"}, {"content", "2+2?"}},
              {{"role", "assistant"}, {"content", "4"}, {"reasoning_content", "Add them."}},
              {{"role", "assistant"}, {"content", "5"}, {"reasoning", "Off by one."}},
              {{"role", "assistant"}, {"content", "6"}, {"reasoning_content", nullptr}}}}}));
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[1].reasoning, "Add them.");
  EXPECT_EQ(r.messages[2].reasoning, "Off by one.");
  EXPECT_EQ(r.messages[3].reasoning, "");
  const auto j = chat_messages_json(r.messages, {});
  EXPECT_EQ(j[1]["reasoning_content"], "Add them.");
  EXPECT_EQ(j[1]["thinking"], "Add them.");
  EXPECT_FALSE(j[3].contains("thinking"));
  EXPECT_EQ(
      refused_param(chat(
          {{"messages", {{{"role", "assistant"}, {"content", "x"}, {"reasoning_content", 3}}}}})),
      "messages[0].reasoning_content");
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
  EXPECT_EQ(refused_param(chat({{"tools", {{{"type", "function"}}}}})), "tools[0].function");
  EXPECT_EQ(refused_param(chat({{"tools", {{{"type", "retrieval"}}}}})), "tools[0]");
  EXPECT_EQ(refused_param(chat({{"tools", {{{"type", "function"}, {"function", {{"name", 3}}}}}}})),
            "tools[0].function.name");
  EXPECT_EQ(refused_param(chat({{"tools", json::array()}})), "");
  EXPECT_EQ(refused_param(chat({{"tools", "get_weather"}})), "tools");
  EXPECT_EQ(refused_param(chat({{"tool_choice", "required"}})), "tool_choice");
  EXPECT_EQ(refused_param(chat({{"tool_choice", "sometimes"}})), "tool_choice");
  EXPECT_EQ(refused_param(chat({{"functions", json::array({{{"name", "f"}}})}})), "functions");
  EXPECT_EQ(
      refused_param(chat(
          {{"messages", {{{"role", "assistant"}, {"tool_calls", {{{"type", "function"}}}}}}}})),
      "messages[0].tool_calls[0].function.name");
  EXPECT_EQ(refused_param(chat({{"messages", {{{"role", "tool"}, {"content", "x"}}}}})),
            "messages[0].tool_call_id");
  EXPECT_EQ(refused_param(chat({{"response_format", {{"type", "text"}}}})), "");
  EXPECT_EQ(refused_param(chat({{"response_format", "json"}})), "response_format");
  EXPECT_EQ(refused_param(chat({{"response_format", {{"type", "xml"}}}})), "response_format.type");
  EXPECT_EQ(refused_param(chat({{"response_format", {{"type", "json_schema"}}}})),
            "response_format.json_schema");
  EXPECT_EQ(refused_param(
                chat({{"response_format",
                       {{"type", "json_schema"}, {"json_schema", {{"schema", json::object()}}}}}})),
            "response_format.json_schema.name");
  EXPECT_EQ(refused_param(chat(
                {{"response_format",
                  {{"type", "json_schema"}, {"json_schema", {{"name", "x"}, {"schema", 3}}}}}})),
            "response_format.json_schema.schema");
  EXPECT_EQ(refused_param(chat({{"grammar", 1}})), "grammar");
  EXPECT_EQ(refused_param(chat(
                {{"grammar", "root ::= \"a\""}, {"response_format", {{"type", "json_object"}}}})),
            "grammar");
  EXPECT_EQ(refused_param(chat({{"logprobs", true}, {"top_logprobs", 21}})), "top_logprobs");
  EXPECT_EQ(refused_param(chat({{"top_logprobs", 2}})), "top_logprobs");
  EXPECT_EQ(refused_param(chat({{"logprobs", 1}})), "logprobs");
  EXPECT_EQ(refused_param(chat({{"unknown_field", {1, 2}}})), "");  // ignored, as OpenAI's SDKs
}

// A "type" that is not a string is a 400 like any other wrong shape, not a JSON library
// exception (the openai_request fuzzer found the content-part case).
TEST(OpenAiRequest, ATypeOfTheWrongJsonTypeNamesItsParameter) {
  const json parts = {{{"type", {"text"}}, {"text", "x"}}};
  EXPECT_EQ(refused_param(chat({{"messages", {{{"role", "user"}, {"content", parts}}}}})),
            "messages[0].content");
  EXPECT_EQ(refused_param(chat({{"tools", {{{"type", 1}, {"function", {{"name", "f"}}}}}}})),
            "tools[0]");
  EXPECT_EQ(refused_param(chat({{"tools", {{{"type", "function"}, {"function", {{"name", "f"}}}}}},
                                {"tool_choice", {{"type", json::array()}}}})),
            "tool_choice");
}

// A body nested a million deep would overflow the stack of whatever walks it later (dump() of
// a tool's parameters did): it is refused while it is parsed.
TEST(OpenAiRequest, DeeplyNestedBodiesAreRefusedWhileParsed) {
  const auto nested = [](int depth) {  // the body's object, then depth - 1 arrays around a 1
    return "{\"model\": \"m\", \"x\": " + std::string(depth - 1, '[') + "1" +
           std::string(depth - 1, ']') + "}";
  };
  EXPECT_EQ(parse_request_body(nested(kMaxJsonNesting))["model"], "m");
  for (const std::string& body : {nested(kMaxJsonNesting + 1), nested(1'000'000)}) {
    try {
      parse_request_body(body);
      ADD_FAILURE() << "accepted a body " << body.size() / 2 << " deep";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400);
      EXPECT_NE(std::string(e.what()).find("deeper than 128"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_request_body("{\"model\": "), ApiError);
  EXPECT_THROW(parse_request_body("9e922"), ApiError);  // nlohmann's out_of_range, not parse_error
}

// Tool-call arguments are a JSON string inside the body, so the body's limit does not bound
// them: arguments nested too deep reach the template as the text they are.
TEST(OpenAiRequest, DeeplyNestedArgumentsStayText) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  const std::vector<ChatMessage> messages = {
      {.role = "assistant", .tool_calls = {{.name = "f", .arguments = deep}}},
      {.role = "assistant", .tool_calls = {{.name = "g", .arguments = "{\"a\": [[1]]}"}}}};
  const auto j = chat_messages_json(messages, {.arguments_as_objects = true});
  EXPECT_EQ(j[0]["tool_calls"][0]["function"]["arguments"], deep);
  EXPECT_EQ(j[1]["tool_calls"][0]["function"]["arguments"]["a"][0][0], 1);
  EXPECT_THROW(tools_json({{.name = "f", .parameters = deep}}), Error);
}

TEST(OpenAiRequest, ResponseFormatsBecomeOutputFormats) {
  using Kind = OutputFormat::Kind;
  EXPECT_EQ(parse_chat_request(chat()).options.format.kind, Kind::kText);
  const auto format = [](json rf) {
    return parse_chat_request(chat({{"response_format", rf}})).options.format;
  };
  EXPECT_EQ(format({{"type", "json_object"}}).kind, Kind::kJsonObject);
  // The schema keeps the client's property order (the output follows it).
  const json schema = json::parse(
      R"({"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"integer"}}})");
  const OutputFormat f =
      format({{"type", "json_schema"},
              {"json_schema", {{"name", "n"}, {"strict", true}, {"schema", schema}}}});
  EXPECT_EQ(f.kind, Kind::kJsonSchema);
  EXPECT_EQ(f.source, schema.dump());
  EXPECT_LT(f.source.find("zeta"), f.source.find("alpha"));
  EXPECT_EQ(format({{"type", "json_schema"}, {"json_schema", {{"name", "n"}}}}).source, "{}");
  // llama.cpp's server extensions.
  EXPECT_EQ(format({{"type", "json_object"}, {"schema", schema}}).source, schema.dump());
  const ChatRequest g = parse_chat_request(chat({{"grammar", "root ::= \"a\""}}));
  EXPECT_EQ(g.options.format.kind, Kind::kGrammar);
  EXPECT_EQ(g.options.format.source, "root ::= \"a\"");
  const CompletionRequest c = parse_completion_request(
      json{{"model", "m"}, {"prompt", "x"}, {"response_format", {{"type", "json_object"}}}});
  EXPECT_EQ(c.options.format.kind, Kind::kJsonObject);
}

TEST(OpenAiRequest, ToolsAndToolMessagesReachTheOptions) {
  const json body = json::parse(R"({"model": "m",
    "messages": [{"role": "user", "content": "weather?"},
                 {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1",
                   "type": "function", "function": {"name": "get_weather",
                   "arguments": "{\"city\": \"Oslo\"}"}}]},
                 {"role": "tool", "tool_call_id": "call_1", "name": "get_weather",
                  "content": "cold"}],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "d",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "parallel_tool_calls": false})");
  const ChatRequest r = parse_chat_request(body);
  ASSERT_EQ(r.options.tools.size(), 1u);
  EXPECT_EQ(r.options.tools[0].name, "get_weather");
  EXPECT_EQ(r.options.tools[0].description, "d");
  EXPECT_EQ(r.options.tools[0].parameters,
            R"({"type":"object","properties":{"city":{"type":"string"}}})");
  EXPECT_EQ(r.options.tool_choice.mode, ToolChoice::Mode::kFunction);
  EXPECT_EQ(r.options.tool_choice.function, "get_weather");
  EXPECT_FALSE(r.options.parallel_tool_calls);
  ASSERT_EQ(r.messages.size(), 3u);
  EXPECT_EQ(r.messages[1].content, "");
  ASSERT_EQ(r.messages[1].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[1].tool_calls[0].id, "call_1");
  EXPECT_EQ(r.messages[1].tool_calls[0].arguments, R"({"city": "Oslo"})");
  EXPECT_EQ(r.messages[2].tool_call_id, "call_1");
  EXPECT_EQ(r.messages[2].name, "get_weather");
  EXPECT_TRUE(calls_tools(r.options));
  json none = body;
  none["tool_choice"] = "none";
  EXPECT_FALSE(calls_tools(parse_chat_request(none).options));
  EXPECT_THROW(
      parse_completion_request(json{{"model", "m"}, {"prompt", "x"}, {"tools", json::array()}}),
      ApiError);
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
