// HarmonySplitter: channels to reasoning and content, tool-call messages to the canonical form
// parse_tool_calls(kHarmony) reads, whatever the streaming cut; and the call gpt-oss's own
// template writes into the history read back through both.
#include "chat/harmony.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chat/tool_call_format.h"
#include "support/test_paths.h"

namespace minke {
namespace {

struct Split {
  std::string reasoning, content;
};

// Feeds `text` in pieces of `step` bytes (0: whole) and collects both sides.
Split split(std::string_view text, size_t step = 0) {
  HarmonySplitter s;
  Split out;
  const auto take = [&](const std::vector<ReasoningPiece>& pieces) {
    for (const ReasoningPiece& p : pieces) (p.thinking ? out.reasoning : out.content) += p.text;
  };
  if (step == 0) step = text.size() + 1;
  for (size_t i = 0; i < text.size(); i += step) take(s.push(text.substr(i, step)));
  take(s.flush());
  return out;
}

// What gpt-oss writes after its prompt's "<|start|>assistant" (<|return|> ends the generation
// and is not part of the text).
constexpr std::string_view kAnswer =
    "<|channel|>analysis<|message|>User greets. Reply briefly.<|end|><|start|>assistant"
    "<|channel|>final<|message|>Hello! How can I help?";

TEST(HarmonySplitter, AnalysisIsReasoningFinalIsContent) {
  for (const size_t step : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{7}}) {
    const Split s = split(kAnswer, step);
    EXPECT_EQ(s.reasoning, "User greets. Reply briefly.") << "step " << step;
    EXPECT_EQ(s.content, "Hello! How can I help?") << "step " << step;
  }
}

TEST(HarmonySplitter, StreamsWhileTheMessageArrives) {
  HarmonySplitter s;
  EXPECT_TRUE(s.push("<|channel|>analy").empty());  // a header is held until <|message|>
  std::vector<ReasoningPiece> p = s.push("sis<|message|>Think");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].thinking);
  EXPECT_EQ(p[0].text, "Think");
  EXPECT_TRUE(s.in_reasoning());
  p = s.push("ing<|e");  // "<|e" may be <|end|>: held
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].text, "ing");
  p = s.push("x");  // it was not
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].text, "<|ex");
  EXPECT_TRUE(s.push("<|end|><|start|>assistant<|channel|>final").empty());
  p = s.push("<|message|>Hi");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_FALSE(p[0].thinking);
  EXPECT_EQ(p[0].text, "Hi");
  EXPECT_FALSE(s.in_reasoning());
}

TEST(HarmonySplitter, ToolCallBecomesTheCanonicalForm) {
  // The recipient after the channel (how gpt-oss usually writes it) or in the role part.
  const std::string_view answers[] = {
      "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary "
      "to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Oslo\"}",
      "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant to=functions."
      "get_weather<|channel|>commentary json<|message|>{\"city\": \"Oslo\"}"};
  for (const std::string_view answer : answers) {
    for (const size_t step : {size_t{0}, size_t{1}, size_t{5}}) {
      const Split s = split(answer, step);
      EXPECT_EQ(s.reasoning, "Need weather.");
      EXPECT_EQ(s.content,
                "<|channel|>commentary to=functions.get_weather<|message|>{\"city\": "
                "\"Oslo\"}<|call|>");
      const ParsedToolOutput out = parse_tool_calls(ToolCallFormat::kHarmony, s.content);
      ASSERT_EQ(out.calls.size(), 1u);
      EXPECT_EQ(out.calls[0].name, "get_weather");
      EXPECT_EQ(out.calls[0].arguments, R"({"city":"Oslo"})");
      EXPECT_EQ(out.content, "");
    }
  }
}

TEST(HarmonySplitter, PreambleIsContentAndCallsFollowIt) {
  const Split s = split(
      "<|channel|>commentary<|message|>Checking the weather.<|end|><|start|>assistant"
      "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{}");
  EXPECT_EQ(s.reasoning, "");
  const ParsedToolOutput out = parse_tool_calls(ToolCallFormat::kHarmony, s.content);
  EXPECT_EQ(out.content, "Checking the weather.");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].name, "get_weather");
}

TEST(HarmonySplitter, TextWithoutHeadersIsPlainContent) {
  EXPECT_EQ(split("Just an answer <|end|> with markers", 4).content,
            "Just an answer <|end|> with markers");
  EXPECT_EQ(split("  \n plain").content, "  \n plain");
  // A header cut off by the token limit is markup, not content.
  const Split cut = split("<|channel|>analysis<|message|>Hm<|end|><|start|>assistant<|chan");
  EXPECT_EQ(cut.reasoning, "Hm");
  EXPECT_EQ(cut.content, "");
  // A "header" that never reaches <|message|> within 512 bytes is not one.
  const std::string endless = "<|channel|>" + std::string(600, 'x');
  EXPECT_EQ(split(endless, 50).content, endless);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// gpt-oss's template writes an assistant call into the history as "<|start|>assistant
// to=functions.N<|channel|>commentary json<|message|>ARGS<|call|>" (jinja2's rendering in
// expected.json); what the model generates after "<|start|>assistant" is that message without
// the <|call|> (an end-of-generation token). Arguments there are a JSON string (the request's).
TEST(HarmonySplitter, ReadsTheCallGptOssTemplateWrites) {
  const nlohmann::json fx =
      nlohmann::json::parse(read_text(testing::golden_dir() / "chat" / "expected.json"));
  std::string rendering;
  for (const nlohmann::json& c : fx["cases"]) {
    if (c["template"] == "gpt-oss-120b" && c["conversation"] == "tools_string_args" &&
        c["add_generation_prompt"] == false && c["extra"].empty() && c.contains("output")) {
      rendering = c["output"].get<std::string>();
    }
  }
  const std::string begin = "<|start|>assistant to=";
  const size_t from = rendering.find(begin);
  ASSERT_NE(from, std::string::npos) << rendering;
  const size_t to = rendering.find("<|call|>", from);
  ASSERT_NE(to, std::string::npos);
  const size_t after = from + std::string_view("<|start|>assistant").size();
  const std::string generated = rendering.substr(after, to - after);
  const ParsedToolOutput out = parse_tool_calls(ToolCallFormat::kHarmony, split(generated).content);
  ASSERT_EQ(out.calls.size(), 1u) << generated;
  EXPECT_EQ(out.calls[0].name, "get_weather");
  EXPECT_EQ(out.calls[0].arguments, R"({"city":"Oslo"})");
}

}  // namespace
}  // namespace minke
