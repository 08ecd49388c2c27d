// Tests of parse_tool_calls: each format's calls written exactly as tool_call_format.h describes
// them parse back (one and two calls, unicode, nested arguments, text before them), the
// whitespace and cut-off endings it tolerates, and malformed calls that stay content.
#include <gtest/gtest.h>

#include "chat/tool_call_format.h"
#include "chat/tool_call_test_util.h"

namespace minke {
namespace {

using testing::ToolCall;
using testing::write_tool_calls;

const ToolCall kOslo = {"get_weather", R"({"city":"Oslo"})", "abcDEF123"};
const ToolCall kUnicode = {"translate", R"({"text":"Zürich – 東京 ✓ 🙂","to":"ja"})",
                           "k9X2mQ7pL"};
const ToolCall kNested = {"search",
                          R"({"filter":{"tags":["a","b\"c"],"range":{"min":-1,"max":2.5}},)"
                          R"("flag":true,"none":null,"z":{},"a":[]})",
                          "000000000"};
const ToolCall kNoArgs = {"get_time", "{}", "zzzzzzzzz"};

bool has_ids(ToolCallFormat format) { return format == ToolCallFormat::kMistral; }

void expect_round_trip(ToolCallFormat format, const std::vector<ToolCall>& calls,
                       const std::string& content) {
  const std::string text = content.empty() ? write_tool_calls(format, calls)
                                           : content + "\n\n" + write_tool_calls(format, calls);
  SCOPED_TRACE(std::string(tool_call_format_name(format)) + ": " + text);
  const ParsedToolOutput out = parse_tool_calls(format, text);
  EXPECT_EQ(out.content, content);
  testing::expect_calls(out.calls, calls, has_ids(format));
}

TEST(ParseToolCalls, OneCallInEveryFormat) {
  for (ToolCallFormat format : testing::all_formats()) {
    for (const ToolCall& call : {kOslo, kUnicode, kNested, kNoArgs}) {
      expect_round_trip(format, {call}, "");
    }
  }
}

TEST(ParseToolCalls, TwoCallsInEveryFormatButLlama3) {
  for (ToolCallFormat format : testing::all_formats()) {
    if (format == ToolCallFormat::kLlama3Json) continue;  // one call per answer
    expect_round_trip(format, {kOslo, kNested}, "");
    expect_round_trip(format, {kUnicode, kOslo, kNoArgs}, "");
  }
}

TEST(ParseToolCalls, TextBeforeTheCallsIsContent) {
  for (ToolCallFormat format : testing::marked_formats()) {
    expect_round_trip(format, {kOslo}, "Let me look that up.");
    expect_round_trip(format, {kUnicode, kNested}, "Ünïcode: 東京 — <tool> [x] {y}");
  }
}

TEST(ParseToolCalls, ContentIsTrimmedOfTheWhitespaceAroundIt) {
  for (ToolCallFormat format : testing::marked_formats()) {
    const std::string text = " \n\tSure.\r\n  " + write_tool_calls(format, {kOslo}) + "\n \n";
    const ParsedToolOutput out = parse_tool_calls(format, text);
    EXPECT_EQ(out.content, "Sure.") << tool_call_format_name(format);
    testing::expect_calls(out.calls, {kOslo}, has_ids(format));
  }
}

TEST(ParseToolCalls, TextWithoutCallsIsContentUnchanged) {
  for (ToolCallFormat format : testing::all_formats()) {
    for (const std::string text : {"", "  Hello,\nworld. \n", "Use <tool_call> tags", "{x}"}) {
      const ParsedToolOutput out = parse_tool_calls(format, text);
      EXPECT_EQ(out.content, text) << tool_call_format_name(format);
      EXPECT_TRUE(out.calls.empty()) << tool_call_format_name(format);
    }
  }
}

TEST(ParseToolCalls, ArgumentsBecomeCompactJsonInTheirOwnKeyOrder) {
  const std::string text =
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {\n  \"zeta\": [1, 2 ],"
      "\n  \"alpha\": {\"b\": \"\\u00e9\\n\", \"a\": 1.50}\n}}\n</tool_call>";
  const ParsedToolOutput out = parse_tool_calls(ToolCallFormat::kHermes, text);
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].arguments, "{\"zeta\":[1,2],\"alpha\":{\"b\":\"é\\n\",\"a\":1.5}}");
}

// Arguments are re-serialised, so a number keeps its value but not its spelling.
TEST(ParseToolCalls, NumbersInArgumentsAreWrittenCanonically) {
  const ParsedToolOutput out = parse_tool_calls(
      ToolCallFormat::kHermes,
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 2.5e3, \"b\": -0, \"c\": 1E-2, "
      "\"d\": 18446744073709551615, \"e\": -9223372036854775808}}</tool_call>");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].arguments,
            "{\"a\":2500.0,\"b\":0,\"c\":0.01,\"d\":18446744073709551615,"
            "\"e\":-9223372036854775808}");
}

// Qwen2.5's and Kimi's templates write history arguments that arrived as OpenAI's JSON-encoded
// strings verbatim, so a model may copy that form.
TEST(ParseToolCalls, ArgumentsEncodedAsAJsonStringAreDecoded) {
  const ParsedToolOutput hermes = parse_tool_calls(
      ToolCallFormat::kHermes,
      "<tool_call>\n{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": [1]}\"}\n</tool_call>");
  testing::expect_calls(hermes.calls, {{"f", R"({"a":[1]})", ""}}, false);
  const ParsedToolOutput kimi = parse_tool_calls(
      ToolCallFormat::kKimiK2,
      "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>"
      "\"{\\\"a\\\": 1}\"<|tool_call_end|><|tool_calls_section_end|>");
  testing::expect_calls(kimi.calls, {{"f", R"({"a":1})", ""}}, false);
  // A string that is not an object is not arguments.
  const std::string bad = "<tool_call>{\"name\": \"f\", \"arguments\": \"[1]\"}</tool_call>";
  EXPECT_TRUE(parse_tool_calls(ToolCallFormat::kHermes, bad).calls.empty());
}

TEST(ParseToolCalls, HermesToleratesWhitespaceAndAMissingLastClose) {
  const std::vector<ToolCall> two = {kOslo, kNested};
  const std::string compact =
      "<tool_call>{\"name\":\"get_weather\",\"arguments\":" + kOslo.arguments +
      "}</tool_call><tool_call>{\"name\":\"search\","
      "\"arguments\":" +
      kNested.arguments + "}</tool_call>";
  testing::expect_calls(parse_tool_calls(ToolCallFormat::kHermes, compact).calls, two, false);
  const std::string spaced =
      "<tool_call> \r\n {\"name\": \"get_weather\", \"arguments\": " + kOslo.arguments +
      "} \n</tool_call>\n\n\n<tool_call>\n{\"name\": "
      "\"search\", \"arguments\": " +
      kNested.arguments + "}\n";
  testing::expect_calls(parse_tool_calls(ToolCallFormat::kHermes, spaced).calls, two, false);
}

TEST(ParseToolCalls, SectionEndsMayBeMissingAtTheEnd) {
  for (ToolCallFormat format :
       {ToolCallFormat::kDeepSeekV3, ToolCallFormat::kDeepSeekV31, ToolCallFormat::kKimiK2}) {
    std::string text = write_tool_calls(format, {kOslo, kUnicode});
    const std::string_view section_end =
        format == ToolCallFormat::kKimiK2 ? "<|tool_calls_section_end|>" : "<｜tool▁calls▁end｜>";
    ASSERT_TRUE(text.ends_with(section_end));
    text.resize(text.size() - section_end.size());
    testing::expect_calls(parse_tool_calls(format, text + "\n").calls, {kOslo, kUnicode}, false);
    // Text after the section is not part of a well-formed answer.
    EXPECT_TRUE(parse_tool_calls(format, text + std::string(section_end) + "Done.").calls.empty());
  }
}

TEST(ParseToolCalls, DeepSeekCallsMaySitOnSeparateLines) {
  const std::string v31 =
      "<｜tool▁calls▁begin｜>\n<｜tool▁call▁begin｜> get_weather <｜tool▁sep｜> {\"city\": "
      "\"Oslo\"} "
      "<｜tool▁call▁end｜>\n<｜tool▁calls▁end｜>";
  testing::expect_calls(parse_tool_calls(ToolCallFormat::kDeepSeekV31, v31).calls, {kOslo}, false);
  // V3's call type must be "function" and its arguments fenced as ```json.
  const std::string v3_bad_type =
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>method<｜tool▁sep｜>get_weather\n```json\n{}\n```"
      "<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  EXPECT_TRUE(parse_tool_calls(ToolCallFormat::kDeepSeekV3, v3_bad_type).calls.empty());
  const std::string v3_no_fence =
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n{}\n"
      "<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  EXPECT_TRUE(parse_tool_calls(ToolCallFormat::kDeepSeekV3, v3_no_fence).calls.empty());
  // The V3.1 form is not V3's and the other way round.
  EXPECT_TRUE(parse_tool_calls(ToolCallFormat::kDeepSeekV3,
                               write_tool_calls(ToolCallFormat::kDeepSeekV31, {kOslo}))
                  .calls.empty());
  EXPECT_TRUE(parse_tool_calls(ToolCallFormat::kDeepSeekV31,
                               write_tool_calls(ToolCallFormat::kDeepSeekV3, {kOslo}))
                  .calls.empty());
}

TEST(ParseToolCalls, MistralKeepsIdsWhenPresent) {
  const ParsedToolOutput out = parse_tool_calls(
      ToolCallFormat::kMistral,
      "[TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {}}, {\"id\": \"Xy7\", \"name\": \"b\", "
      "\"arguments\": {\"k\": 1}}]");
  testing::expect_calls(out.calls, {{"a", "{}", ""}, {"b", R"({"k":1})", "Xy7"}}, true);
}

TEST(ParseToolCalls, KimiTakesTheNameFromTheCallId) {
  const std::string text =
      "<|tool_calls_section_begin|><|tool_call_begin|>functions.ns.get:weather:12"
      "<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|>";
  testing::expect_calls(parse_tool_calls(ToolCallFormat::kKimiK2, text).calls,
                        {{"ns.get:weather", "{}", ""}}, false);
  for (const char* id : {"get_weather:0", "functions.get_weather",
                         "functions.get_weather:", "functions.get_weather:x1", "functions.:0"}) {
    const std::string bad = std::string("<|tool_calls_section_begin|><|tool_call_begin|>") + id +
                            "<|tool_call_argument_begin|>{}<|tool_call_end|>";
    EXPECT_TRUE(parse_tool_calls(ToolCallFormat::kKimiK2, bad).calls.empty()) << id;
  }
}

TEST(ParseToolCalls, GenericAnswers) {
  const auto parse = [](std::string_view text) {
    return parse_tool_calls(ToolCallFormat::kGeneric, text);
  };
  testing::expect_calls(
      parse(" {\"tool_call\": {\"name\": \"a\", \"arguments\": {\"x\": []}}}\n").calls,
      {{"a", R"({"x":[]})", ""}}, false);
  ParsedToolOutput out = parse("\n{\"response\": \"Hi \\\"there\\\" ✓\\n\"} ");
  EXPECT_EQ(out.content, "Hi \"there\" ✓\n");
  EXPECT_TRUE(out.calls.empty());
  for (const std::string raw :
       {"{\"response\": 5}", "{\"answer\": \"x\"}", "[{\"name\": \"a\", \"arguments\": {}}]",
        "{\"tool_calls\": []}", "{\"tool_calls\": [{\"name\": \"a\"}]}",
        "{\"tool_calls\": [{\"name\": \"a\", \"arguments\": {}}]} trailing",
        "{\"tool_call\": {\"name\": \"\", \"arguments\": {}}}", "{\"tool_calls\": [1]}"}) {
    out = parse(raw);
    EXPECT_EQ(out.content, raw);
    EXPECT_TRUE(out.calls.empty()) << raw;
  }
}

TEST(ParseToolCalls, Llama3Answers) {
  const auto calls = [](std::string_view text) {
    return parse_tool_calls(ToolCallFormat::kLlama3Json, text).calls;
  };
  const std::vector<ToolCall> want = {{"f", R"({"q":"x"})", ""}};
  testing::expect_calls(calls("<|python_tag|>{\"name\": \"f\", \"parameters\": {\"q\": \"x\"}}"),
                        want, false);
  testing::expect_calls(calls("\n\n{\"name\": \"f\", \"arguments\": {\"q\": \"x\"}}\n"), want,
                        false);
  testing::expect_calls(calls(" <|python_tag|>\n{\"parameters\": {\"q\": \"x\"}, \"name\": \"f\"}"),
                        want, false);
  for (const std::string raw :
       {"{\"name\": \"f\"}", "{\"parameters\": {}}", "{\"name\": \"f\", \"parameters\": [1]}",
        "{\"name\": \"f\", \"parameters\": {}}; {\"name\": \"g\", \"parameters\": {}}",
        "<|python_tag|>brave_search.call(query=\"x\")",
        "Sure: {\"name\": \"f\", \"parameters\": {}}"}) {
    const ParsedToolOutput out = parse_tool_calls(ToolCallFormat::kLlama3Json, raw);
    EXPECT_EQ(out.content, raw);
    EXPECT_TRUE(out.calls.empty()) << raw;
  }
}

// Any flaw anywhere in the call section leaves the whole text as content, never a partial list.
TEST(ParseToolCalls, MalformedCallsStayContent) {
  const std::vector<std::pair<ToolCallFormat, std::string>> cases = {
      {ToolCallFormat::kHermes, "Hi <tool_call>"},
      {ToolCallFormat::kHermes, "<tool_call>\n{\"name\": \"f\", \"arguments\": {}\n</tool_call>"},
      {ToolCallFormat::kHermes, "<tool_call>not json</tool_call>"},
      {ToolCallFormat::kHermes, "<tool_call>{\"name\": \"f\", \"arguments\": 5}</tool_call>"},
      {ToolCallFormat::kHermes, "<tool_call>{\"arguments\": {}}</tool_call>"},
      {ToolCallFormat::kHermes, "<tool_call>{\"name\": \"a b\", \"arguments\": {}}</tool_call>"},
      {ToolCallFormat::kHermes, "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call> ok"},
      {ToolCallFormat::kHermes,
       "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>"
       "<tool_call>{\"name\": \"g\"}</tool_call>"},
      {ToolCallFormat::kHermes, "<tool_call>{\"name\": \"f\", \"arguments\": {}} x</tool_call>"},
      {ToolCallFormat::kDeepSeekV31, "<｜tool▁calls▁begin｜><｜tool▁calls▁end｜>"},
      {ToolCallFormat::kDeepSeekV31,
       "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f{}<｜tool▁call▁end｜><｜tool▁call▁begin｜>g"
       "<｜tool▁sep｜>{}<｜tool▁call▁end｜>"},
      {ToolCallFormat::kDeepSeekV31,
       "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{\"a\": }<｜tool▁call▁end｜>"},
      {ToolCallFormat::kMistral, "[TOOL_CALLS]"},
      {ToolCallFormat::kMistral, "[TOOL_CALLS][]"},
      {ToolCallFormat::kMistral, "[TOOL_CALLS]{\"name\": \"f\", \"arguments\": {}}"},
      {ToolCallFormat::kMistral, "[TOOL_CALLS][\"f\"]"},
      {ToolCallFormat::kMistral, "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}"},
      {ToolCallFormat::kGranite, "<|tool_call|>[{\"name\": \"f\", \"arguments\": {}}] and more"},
      {ToolCallFormat::kGranite, "<|tool_call|>[{\"name\": 3, \"arguments\": {}}]"},
      {ToolCallFormat::kKimiK2, "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0"},
  };
  for (const auto& [format, text] : cases) {
    const ParsedToolOutput out = parse_tool_calls(format, text);
    EXPECT_EQ(out.content, text);
    EXPECT_TRUE(out.calls.empty()) << tool_call_format_name(format) << ": " << text;
  }
}

// Model output is untrusted: overflowing numbers, invalid UTF-8, lone surrogates and deep
// nesting are content, never an exception.
TEST(ParseToolCalls, HostileJsonIsContentNotAnException) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::vector<std::string> arguments = {"{\"a\": 1e999}",
                                              "{\"a\": \"\xff\xfe\"}",
                                              "{\"a\": \"\\ud800\"}",
                                              "{\"a\": " + deep + "}",
                                              "{\"a\": \"\\u00\"}",
                                              "{\"a\": \"\n\"}",
                                              "\"{\\\"a\\\": " + deep + "}\""};
  for (ToolCallFormat format : testing::all_formats()) {
    for (const std::string& args : arguments) {
      const std::string text = write_tool_calls(format, {{"f", args, "123456789"}});
      ParsedToolOutput out;
      ASSERT_NO_THROW(out = parse_tool_calls(format, text));
      // XML parameter values that are not JSON are text: the call stands.
      if (tagged_arguments(format)) continue;
      EXPECT_TRUE(out.calls.empty()) << tool_call_format_name(format) << ": " << args.substr(0, 40);
      EXPECT_EQ(out.content, text);
    }
  }
}

// Nesting is capped at 128 levels for the whole JSON value read (nlohmann's dump() recurses).
TEST(ParseToolCalls, NestingIsCapped) {
  const auto nested = [](int levels) {
    return "{\"a\":" + std::string(levels - 1, '[') + std::string(levels - 1, ']') + "}";
  };
  for (ToolCallFormat format : testing::all_formats()) {
    SCOPED_TRACE(tool_call_format_name(format));
    const std::string ok = write_tool_calls(format, {{"f", nested(100), ""}});
    testing::expect_calls(parse_tool_calls(format, ok).calls, {{"f", nested(100), ""}}, false);
    const std::string deep = write_tool_calls(format, {{"f", nested(129), ""}});
    const ParsedToolOutput parsed = parse_tool_calls(format, deep);
    if (tagged_arguments(format)) {  // a parameter value nests one level less
      EXPECT_EQ(parsed.calls.size(), 1u);
      continue;
    }
    EXPECT_TRUE(parsed.calls.empty());
  }
}

// Every prefix of a well-formed answer (a generation cut off anywhere) parses without throwing,
// and yields either no calls or calls that are a prefix of the full list.
TEST(ParseToolCalls, EveryPrefixOfAnAnswerIsSafe) {
  for (ToolCallFormat format : testing::all_formats()) {
    const std::vector<ToolCall> calls = {kUnicode, kNested};
    const std::string text = "Hi.\n" + write_tool_calls(format, calls);
    for (size_t n = 0; n <= text.size(); ++n) {
      const ParsedToolOutput out = parse_tool_calls(format, std::string_view(text).substr(0, n));
      ASSERT_LE(out.calls.size(), calls.size());
      for (size_t i = 0; i < out.calls.size(); ++i) EXPECT_EQ(out.calls[i].name, calls[i].name);
      if (out.calls.empty()) {
        EXPECT_EQ(out.content, text.substr(0, n));
      }
    }
  }
}

// Qwen3-Coder's XML: a parameter is text when its schema says string (even "42"), JSON when it
// says another type, and without a schema JSON only when it is not a bare string.
TEST(ParseToolCalls, QwenXmlParametersTakeTheirSchemasTypes) {
  const std::vector<Tool> tools = {
      {.name = "f", .parameters = R"({"type":"object","properties":{"code":{"type":"string"},
                        "n":{"type":"integer"},"unit":{"enum":["c","f"]},
                        "opts":{"type":"object"}}})"}};
  const std::string text =
      "Sure.\n<tool_call>\n<function=f>\n<parameter=code>\n42\n</parameter>\n"
      "<parameter=n>\n7\n</parameter>\n<parameter=unit>\nc\n</parameter>\n"
      "<parameter=opts>\n{\"a\": [1, 2]}\n</parameter>\n<parameter=extra>\ntrue\n</parameter>\n"
      "<parameter=word>\nhello world\n</parameter>\n</function>\n</tool_call>";
  const ParsedToolOutput out = parse_tool_calls(ToolCallFormat::kQwenXml, text, &tools);
  EXPECT_EQ(out.content, "Sure.");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].name, "f");
  EXPECT_EQ(
      out.calls[0].arguments,
      R"({"code":"42","n":7,"unit":"c","opts":{"a":[1,2]},"extra":true,"word":"hello world"})");
  // Without the tools, "42" is a number.
  EXPECT_EQ(parse_tool_calls(ToolCallFormat::kQwenXml, text).calls.at(0).arguments.substr(0, 10),
            R"({"code":42)");
}

// GLM-4.5's tags: the name on the <tool_call> line, then key/value pairs; values typed as in
// the XML format; a call without arguments closes on its own line.
TEST(ParseToolCalls, GlmCallsReadTheirKeyValuePairs) {
  const std::vector<Tool> tools = {
      {.name = "get_weather",
       .parameters = R"({"type":"object","properties":{"city":{"type":"string"},
                        "days":{"type":"integer"}}})"},
      {.name = "now", .parameters = "{}"}};
  const std::string text =
      "Checking.\n<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>New York"
      "</arg_value>\n<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>\n"
      "<tool_call>now\n</tool_call>";
  const ParsedToolOutput out = parse_tool_calls(ToolCallFormat::kGlm, text, &tools);
  EXPECT_EQ(out.content, "Checking.");
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(out.calls[0].name, "get_weather");
  EXPECT_EQ(out.calls[0].arguments, R"({"city":"New York","days":3})");
  EXPECT_EQ(out.calls[1].name, "now");
  EXPECT_EQ(out.calls[1].arguments, "{}");
  EXPECT_TRUE(parse_tool_calls(ToolCallFormat::kGlm, "see <tool_call>now").calls.empty());
}

// Gemma 4's dialect: bare keys, <|"|>-quoted strings that may hold JSON punctuation, nested
// values; calls follow each other directly.
TEST(ParseToolCalls, Gemma4CallsReadItsJsonDialect) {
  const std::string text =
      "Let me look.<|tool_call>call:search{query:<|\"|>a, {b}: [c]<|\"|>,limit:5,"
      "filters:{lang:<|\"|>en<|\"|>,safe:true},tags:[<|\"|>x<|\"|>,2.5,null]}<tool_call|>"
      "<|tool_call>call:now{}<tool_call|>";
  const ParsedToolOutput out = parse_tool_calls(ToolCallFormat::kGemma4, text);
  EXPECT_EQ(out.content, "Let me look.");
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(out.calls[0].name, "search");
  EXPECT_EQ(out.calls[0].arguments,
            R"({"query":"a, {b}: [c]","limit":5,"filters":{"lang":"en","safe":true},)"
            R"("tags":["x",2.5,null]})");
  EXPECT_EQ(out.calls[1].name, "now");
  EXPECT_EQ(out.calls[1].arguments, "{}");
  // An unquoted word is not a value.
  EXPECT_TRUE(parse_tool_calls(ToolCallFormat::kGemma4, "<|tool_call>call:f{a:word}<tool_call|>")
                  .calls.empty());
}

}  // namespace
}  // namespace minke
