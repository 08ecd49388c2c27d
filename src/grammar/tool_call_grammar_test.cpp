// The tool-call grammar against the tool-call parser: in every format the grammar accepts the
// calls as the parser reads them (one and two, parallel or not), refuses unknown tools and
// arguments outside the schema, and every text a random walk through the grammar produces parses
// back into calls to the declared tools.
#include "grammar/tool_call_grammar.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/harmony.h"
#include "chat/tool_call_test_util.h"
#include "grammar/grammar.h"
#include "grammar/grammar_matcher.h"
#include "minke/error.h"

namespace minke {
namespace {

const std::vector<Tool> kTools = {
    {.name = "get_weather",
     .parameters = R"({"type":"object","properties":{"city":{"type":"string","maxLength":12},
                      "unit":{"enum":["celsius","fahrenheit"]}},"required":["city"],
                      "additionalProperties":false})"},
    {.name = "search",
     .parameters = R"({"type":"object","properties":{"tags":{"type":"array","items":
                      {"enum":["café","日本"]},"maxItems":2}},"required":["tags"],
                      "additionalProperties":false})"},
};

const ToolCallFormat kFormats[] = {
    ToolCallFormat::kGeneric,    ToolCallFormat::kHermes,      ToolCallFormat::kLlama3Json,
    ToolCallFormat::kDeepSeekV3, ToolCallFormat::kDeepSeekV31, ToolCallFormat::kMistral,
    ToolCallFormat::kKimiK2,     ToolCallFormat::kGranite,     ToolCallFormat::kQwenXml,
    ToolCallFormat::kGlm,
};

std::shared_ptr<const Grammar> grammar_for(ToolCallFormat f, ToolChoice choice, bool parallel) {
  const FormatGrammar g =
      tool_call_gbnf({.format = f, .tools = &kTools, .choice = choice, .parallel = parallel});
  return compile_gbnf(g.gbnf, g.root);
}

const testing::ToolCall kWeather{"get_weather", R"({"city": "Oslo", "unit": "celsius"})",
                                 "a1B2c3D4e"};
const testing::ToolCall kSearch{"search", R"({"tags": ["café", "日本"]})", "Z9y8X7w6v"};

TEST(ToolCallGrammar, AcceptsWhatTheParserReads) {
  const ToolChoice required{ToolChoice::Mode::kRequired};
  for (const ToolCallFormat f : kFormats) {
    const auto one = grammar_for(f, required, false);
    const auto many = grammar_for(f, required, true);
    const std::string single = testing::write_tool_calls(f, {kWeather});
    EXPECT_TRUE(grammar_matches(*one, single)) << tool_call_format_name(f) << ": " << single;
    const ParsedToolOutput parsed = parse_tool_calls(f, single);
    ASSERT_EQ(parsed.calls.size(), 1u) << tool_call_format_name(f);
    EXPECT_EQ(parsed.calls[0].name, "get_weather");
    if (f == ToolCallFormat::kLlama3Json) continue;  // one call per answer
    const std::string both = testing::write_tool_calls(f, {kWeather, kSearch});
    EXPECT_TRUE(grammar_matches(*many, both)) << tool_call_format_name(f) << ": " << both;
    EXPECT_FALSE(grammar_matches(*one, both)) << tool_call_format_name(f) << ": not parallel";
    EXPECT_EQ(parse_tool_calls(f, both).calls.size(), 2u) << tool_call_format_name(f);
  }
}

TEST(ToolCallGrammar, RefusesUnknownToolsAndBadArguments) {
  const ToolChoice required{ToolChoice::Mode::kRequired};
  for (const ToolCallFormat f : kFormats) {
    const auto g = grammar_for(f, required, true);
    const auto write = [f](const std::string& name, const std::string& args) {
      return testing::write_tool_calls(f, {{name, args, "a1B2c3D4e"}});
    };
    const char* name = tool_call_format_name(f);
    EXPECT_FALSE(grammar_matches(*g, write("get_time", R"({"city": "Oslo"})"))) << name;
    EXPECT_FALSE(grammar_matches(*g, write("get_weather", R"({"unit": "celsius"})"))) << name;
    EXPECT_FALSE(grammar_matches(*g, write("get_weather", R"({"city": "Oslo", "unit": "kelvin"})")))
        << name;
    // maxLength holds for JSON strings; a tagged string parameter is any text without its closing
    // tag (only enums and consts are enforced there).
    EXPECT_EQ(grammar_matches(*g, write("get_weather", R"({"city": "a very long city"})")),
              tagged_arguments(f))
        << name;
    EXPECT_FALSE(grammar_matches(*g, "I think it is sunny.")) << name << ": required means a call";
  }
}

TEST(ToolCallGrammar, NamedFunctionAndAuto) {
  const ToolChoice named{ToolChoice::Mode::kFunction, "search"};
  const ToolChoice automatic{ToolChoice::Mode::kAuto};
  for (const ToolCallFormat f : kFormats) {
    const char* name = tool_call_format_name(f);
    const auto only_search = grammar_for(f, named, true);
    EXPECT_TRUE(grammar_matches(*only_search, testing::write_tool_calls(f, {kSearch}))) << name;
    EXPECT_FALSE(grammar_matches(*only_search, testing::write_tool_calls(f, {kWeather}))) << name;
    const auto free = grammar_for(f, automatic, true);
    EXPECT_TRUE(grammar_matches(*free, testing::write_tool_calls(f, {kWeather}))) << name;
    if (f == ToolCallFormat::kGeneric) {
      EXPECT_TRUE(grammar_matches(*free, R"({"response": "It is sunny."})")) << name;
      continue;
    }
    EXPECT_TRUE(grammar_matches(*free, "It is sunny.")) << name << ": auto may answer in text";
    if (f == ToolCallFormat::kLlama3Json) continue;
    EXPECT_TRUE(
        grammar_matches(*free, "Let me check.\n" + testing::write_tool_calls(f, {kWeather})))
        << name << ": text, then a call";
    // Once the opening marker is written, only a well-formed call may follow.
    const std::string opening(tool_call_opening(f));
    EXPECT_FALSE(grammar_matches(*free, "Let me check. " + opening + " never mind")) << name;
  }
}

TEST(ToolCallGrammar, NoneKeepsTheTextFromOpeningACall) {
  for (const ToolCallFormat f : kFormats) {
    const std::string opening(tool_call_opening(f));
    if (opening.empty()) {
      EXPECT_THROW(no_tool_call_gbnf(f, {}), Error) << tool_call_format_name(f);
      continue;
    }
    const FormatGrammar g = no_tool_call_gbnf(f, {});
    const auto grammar = compile_gbnf(g.gbnf, g.root);
    const char* name = tool_call_format_name(f);
    EXPECT_TRUE(grammar_matches(*grammar, "It is sunny in Oslo.")) << name;
    EXPECT_TRUE(grammar_matches(*grammar, "")) << name;
    EXPECT_FALSE(grammar_matches(*grammar, "Let me check. " + opening)) << name;
    EXPECT_FALSE(grammar_matches(*grammar, testing::write_tool_calls(f, {kWeather}))) << name;
  }
}

TEST(ToolCallGrammar, ErrorsNameTheTool) {
  const auto error_of = [](std::vector<Tool> tools, ToolChoice choice) {
    try {
      tool_call_gbnf({.format = ToolCallFormat::kHermes, .tools = &tools, .choice = choice});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const ToolChoice required{ToolChoice::Mode::kRequired};
  EXPECT_NE(error_of({{.name = "f", .parameters = R"({"type":"object","not":{}})"}}, required)
                .find("tool 'f': JSON schema: unsupported keyword 'not'"),
            std::string::npos);
  EXPECT_NE(error_of({{.name = "f", .parameters = "{"}}, required).find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(error_of({{.name = "a b"}}, required).find("must be 1 to 64"), std::string::npos);
  EXPECT_NE(error_of({{.name = "f"}, {.name = "f"}}, required).find("defined twice"),
            std::string::npos);
  EXPECT_NE(error_of({{.name = "f"}}, {ToolChoice::Mode::kFunction, "g"}).find("not a tool"),
            std::string::npos);
  EXPECT_NE(error_of({}, required).find("at least one tool"), std::string::npos);
}

// Walks the grammar byte by byte, choosing uniformly among the bytes it allows, and stops where
// it may end (with probability 1/4) or must.
std::string random_sentence(const std::shared_ptr<const Grammar>& g, std::mt19937& rng) {
  GrammarMatcher m(g);
  std::string out;
  for (int step = 0; step < 4000; ++step) {
    if (m.complete() || (m.can_end() && rng() % 4 == 0)) return out;
    std::vector<char> next;
    for (int b = 0; b < 256; ++b) {
      const char c = static_cast<char>(b);
      if (m.allows(std::string_view(&c, 1))) next.push_back(c);
    }
    if (next.empty()) return out;
    const char c = next[rng() % next.size()];
    m.accept(std::string_view(&c, 1));
    out += c;
  }
  return "";  // too long: not judged
}

TEST(ToolCallGrammar, RandomWalksParseBackIntoCalls) {
  std::mt19937 rng(11);
  const ToolChoice required{ToolChoice::Mode::kRequired};
  for (const ToolCallFormat f : kFormats) {
    const auto g = grammar_for(f, required, true);
    int judged = 0;
    for (int i = 0; i < 40; ++i) {
      const std::string text = random_sentence(g, rng);
      if (text.empty()) continue;
      ++judged;
      const ParsedToolOutput parsed = parse_tool_calls(f, text);
      ASSERT_FALSE(parsed.calls.empty()) << tool_call_format_name(f) << ": " << text;
      for (const ParsedToolCall& c : parsed.calls) {
        EXPECT_TRUE(c.name == "get_weather" || c.name == "search") << c.name;
        const auto args = nlohmann::json::parse(c.arguments);
        EXPECT_TRUE(args.is_object());
        EXPECT_TRUE(args.contains(c.name == "search" ? "tags" : "city")) << c.arguments;
      }
    }
    // A tagged string value is free text, which a random walk seldom closes.
    EXPECT_GT(judged, tagged_arguments(f) ? 2 : 20) << tool_call_format_name(f);
  }
}

// Harmony: the grammar constrains the raw messages (an optional analysis message, then a call
// or the final answer); HarmonySplitter turns them into what parse_tool_calls() reads.
TEST(ToolCallGrammar, HarmonyRawMessagesSplitIntoCalls) {
  const ReasoningPrefix harmony{.harmony = true};
  const auto grammar = [&](ToolChoice choice) {
    const FormatGrammar g = tool_call_gbnf({.format = ToolCallFormat::kHarmony,
                                            .tools = &kTools,
                                            .choice = choice,
                                            .parallel = true,
                                            .reasoning = harmony});
    return compile_gbnf(g.gbnf, g.root);
  };
  const auto required = grammar({ToolChoice::Mode::kRequired});
  const auto automatic = grammar({ToolChoice::Mode::kAuto});
  const std::string analysis = "<|channel|>analysis<|message|>Need it.<|end|><|start|>assistant";
  const std::string call =
      "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
      R"({"city": "Oslo"})";
  EXPECT_TRUE(grammar_matches(*required, call));
  EXPECT_TRUE(grammar_matches(*required, analysis + call));
  EXPECT_FALSE(grammar_matches(*required, analysis + "<|channel|>final<|message|>Sunny."));
  EXPECT_TRUE(grammar_matches(*automatic, analysis + "<|channel|>final<|message|>Sunny."));
  EXPECT_FALSE(grammar_matches(*automatic,
                               "<|channel|>commentary to=functions.nope "
                               "<|constrain|>json<|message|>{}"));
  const FormatGrammar none = no_tool_call_gbnf(ToolCallFormat::kHarmony, harmony);
  const auto no_calls = compile_gbnf(none.gbnf, none.root);
  EXPECT_TRUE(grammar_matches(*no_calls, analysis + "<|channel|>final<|message|>Sunny."));
  EXPECT_FALSE(grammar_matches(*no_calls, analysis + call));

  std::mt19937 rng(12);
  int judged = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string text = random_sentence(required, rng);
    if (text.empty()) continue;
    ++judged;
    HarmonySplitter splitter;
    std::string content;
    for (const ReasoningPiece& p : splitter.push(text)) content += p.thinking ? "" : p.text;
    for (const ReasoningPiece& p : splitter.flush()) content += p.thinking ? "" : p.text;
    const ParsedToolOutput parsed = parse_tool_calls(ToolCallFormat::kHarmony, content);
    ASSERT_EQ(parsed.calls.size(), 1u) << text;
    EXPECT_TRUE(parsed.calls[0].name == "get_weather" || parsed.calls[0].name == "search");
  }
  EXPECT_GT(judged, 20);
}

}  // namespace
}  // namespace minke
