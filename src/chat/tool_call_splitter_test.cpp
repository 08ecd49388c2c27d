// Tests of ToolCallSplitter: content streams, an opening marker split at any byte (multi-byte
// UTF-8 ones included) is never shown, false alarms are released, and what finish() returns
// agrees with parse_tool_calls on the whole text.
#include <gtest/gtest.h>

#include "chat/tool_call_format.h"
#include "chat/tool_call_test_util.h"

namespace minke {
namespace {

using testing::ToolCall;
using testing::write_tool_calls;

const std::vector<ToolCall> kCalls = {{"get_weather", R"({"city":"Zürich"})", "abcDEF123"},
                                      {"search", R"({"q":["東京",{"n":1}]})", "XYZxyz789"}};

struct Streamed {
  std::string shown;  // everything push() and finish() returned
  std::string before_finish;
  bool in_calls = false;
  std::string text;
};

// Feeds `text` cut at the given byte offsets, checking after each piece that what was shown so far
// is a prefix of `expected_shown` and that nothing is shown once a call has started.
Streamed stream(ToolCallFormat format, std::string_view text, const std::vector<size_t>& cuts,
                std::string_view expected_shown) {
  ToolCallSplitter splitter(format);
  Streamed s;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(text.size());
  for (size_t end : ends) {
    const bool was_in_calls = splitter.in_calls();
    const std::string piece = splitter.push(text.substr(from, end - from));
    if (was_in_calls) {
      EXPECT_EQ(piece, "");
    }
    s.shown += piece;
    EXPECT_TRUE(expected_shown.starts_with(s.shown)) << "shown \"" << s.shown << "\" at " << end;
    from = end;
  }
  s.before_finish = s.shown;
  s.in_calls = splitter.in_calls();
  s.shown += splitter.finish();
  s.text = splitter.text();
  return s;
}

// Every way of cutting `text` into two pieces and into pieces of every fixed size.
std::vector<std::vector<size_t>> all_cuttings(size_t size) {
  std::vector<std::vector<size_t>> out = {{}};
  for (size_t at = 0; at <= size; ++at) out.push_back({at});
  for (size_t piece = 1; piece < size; ++piece) {
    std::vector<size_t> cuts;
    for (size_t at = piece; at < size; at += piece) cuts.push_back(at);
    out.push_back(cuts);
  }
  return out;
}

void expect_calls_split_anywhere(ToolCallFormat format, const std::string& content,
                                 const std::string& separator) {
  const std::string text = content + separator + write_tool_calls(format, kCalls);
  for (const std::vector<size_t>& cuts : all_cuttings(text.size())) {
    const Streamed s = stream(format, text, cuts, content);
    EXPECT_EQ(s.shown, content);
    EXPECT_TRUE(s.in_calls);
    EXPECT_EQ(s.text, text);
    testing::expect_calls(parse_tool_calls(format, s.text).calls, kCalls,
                          format == ToolCallFormat::kMistral);
  }
}

TEST(ToolCallSplitter, ContentBeforeCallsStreamsAndTheCallsAreHeld) {
  for (ToolCallFormat format : testing::marked_formats()) {
    SCOPED_TRACE(tool_call_format_name(format));
    expect_calls_split_anywhere(format, "Looking up ü 東京.", "\n\n");
    expect_calls_split_anywhere(format, "", "");
    expect_calls_split_anywhere(format, "", " \n");
  }
}

TEST(ToolCallSplitter, JsonAnswersAreHeldFromTheirFirstBrace) {
  for (ToolCallFormat format : {ToolCallFormat::kGeneric, ToolCallFormat::kLlama3Json}) {
    SCOPED_TRACE(tool_call_format_name(format));
    const std::vector<ToolCall> calls =
        format == ToolCallFormat::kGeneric ? kCalls : std::vector<ToolCall>{kCalls[0]};
    const std::string text = "\n  " + write_tool_calls(format, calls) + "\n";
    for (const std::vector<size_t>& cuts : all_cuttings(text.size())) {
      const Streamed s = stream(format, text, cuts, "");
      EXPECT_EQ(s.shown, "");
      EXPECT_TRUE(s.in_calls);
      testing::expect_calls(parse_tool_calls(format, s.text).calls, calls, false);
    }
  }
}

TEST(ToolCallSplitter, Llama3PythonTagStartsACall) {
  const std::string text = "<|python_tag|>{\"name\": \"f\", \"parameters\": {}}";
  for (const std::vector<size_t>& cuts : all_cuttings(text.size())) {
    const Streamed s = stream(ToolCallFormat::kLlama3Json, text, cuts, "");
    EXPECT_EQ(s.shown, "");
    EXPECT_TRUE(s.in_calls);
  }
}

// Text that starts like an opening and then is not one, at every cut: all of it is content.
TEST(ToolCallSplitter, FalseAlarmsAreShown) {
  const std::vector<std::pair<ToolCallFormat, std::string>> cases = {
      {ToolCallFormat::kHermes, "a <tool_calc> b <tool_cal"},
      {ToolCallFormat::kHermes, "<<tool_<<tool_cal>>"},
      {ToolCallFormat::kDeepSeekV3, "x <｜tool▁call▁begin｜> y <｜tool▁calls▁beg"},
      {ToolCallFormat::kDeepSeekV31, "<｜tool▁outputs▁begin｜><｜end▁of▁sentence｜>"},
      {ToolCallFormat::kMistral, "[TOOL_RESULTS] [TOOL_CALL"},
      {ToolCallFormat::kKimiK2, "<|tool_calls_section_end|><|tool_calls_"},
      {ToolCallFormat::kGranite, "<|tool_calls|> <|tool_call"},
      {ToolCallFormat::kGeneric, "  Plain {json} later\n"},
      {ToolCallFormat::kLlama3Json, "<|python is fun {"},
      {ToolCallFormat::kLlama3Json, " <|python_ta"},
  };
  for (const auto& [format, text] : cases) {
    SCOPED_TRACE(std::string(tool_call_format_name(format)) + ": " + text);
    for (const std::vector<size_t>& cuts : all_cuttings(text.size())) {
      const Streamed s = stream(format, text, cuts, text);
      EXPECT_EQ(s.shown, text);
      EXPECT_FALSE(s.in_calls);
    }
  }
}

TEST(ToolCallSplitter, HoldsBackOnlyAPossibleOpeningAndTrailingSpace) {
  ToolCallSplitter splitter(ToolCallFormat::kHermes);
  EXPECT_EQ(splitter.push("Hello <tool"), "Hello");
  EXPECT_EQ(splitter.push("box> and"), " <toolbox> and");
  EXPECT_EQ(splitter.push(" more\n\n"), " more");
  EXPECT_EQ(splitter.push("Next."), "\n\nNext.");
  EXPECT_EQ(splitter.finish(), "");
  EXPECT_FALSE(splitter.in_calls());

  ToolCallSplitter deepseek(ToolCallFormat::kDeepSeekV3);
  EXPECT_EQ(deepseek.push("ok <\xef\xbd"), "ok");  // '<' and two of the three bytes of '｜'
  EXPECT_EQ(deepseek.push("\x9ctool\xe2\x96\x81"), "");
  EXPECT_EQ(deepseek.push("call"), "");
  EXPECT_EQ(deepseek.push("\xe2\x96\x81"), " <｜tool▁call▁");
}

TEST(ToolCallSplitter, FinishReturnsWhatWasHeldWhenNoCallStarted) {
  ToolCallSplitter splitter(ToolCallFormat::kMistral);
  EXPECT_EQ(splitter.push("Result: [TOOL_"), "Result:");
  EXPECT_EQ(splitter.finish(), " [TOOL_");
  ToolCallSplitter generic(ToolCallFormat::kGeneric);
  EXPECT_EQ(generic.push(" \n"), "");
  EXPECT_EQ(generic.finish(), " \n");
}

// A call that turns out malformed is content after all: finish() returns it, so what was shown in
// total is what parse_tool_calls() calls content.
TEST(ToolCallSplitter, MalformedCallsAreShownAtFinish) {
  const std::vector<std::pair<ToolCallFormat, std::string>> cases = {
      {ToolCallFormat::kHermes, "Hi\n<tool_call>\n{\"name\": oops}\n</tool_call>"},
      {ToolCallFormat::kKimiK2, "<|tool_calls_section_begin|>nothing"},
      {ToolCallFormat::kMistral, "Data: [TOOL_CALLS][1, 2]"},
      {ToolCallFormat::kGeneric, "{\"answer\": 42}"},
      {ToolCallFormat::kLlama3Json, "  {\"name\": \"f\"}  "},
  };
  for (const auto& [format, text] : cases) {
    SCOPED_TRACE(std::string(tool_call_format_name(format)) + ": " + text);
    for (const std::vector<size_t>& cuts : all_cuttings(text.size())) {
      const Streamed s = stream(format, text, cuts, text);
      EXPECT_TRUE(s.in_calls);
      EXPECT_EQ(s.shown, text);
      EXPECT_EQ(s.shown, parse_tool_calls(format, text).content);
    }
  }
}

TEST(ToolCallSplitter, GenericResponseIsShownAtFinish) {
  const std::string text = " {\"response\": \"It is 5 °C.\"}";
  for (const std::vector<size_t>& cuts : all_cuttings(text.size())) {
    const Streamed s = stream(ToolCallFormat::kGeneric, text, cuts, "It is 5 °C.");
    EXPECT_EQ(s.before_finish, "");
    EXPECT_EQ(s.shown, "It is 5 °C.");
  }
}

}  // namespace
}  // namespace minke
