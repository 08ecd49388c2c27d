// ToolCallSplitter: streams the content before a tool call and holds back what may be one. Like a
// stop string, a suffix that could grow into the opening marker waits for the next piece; so does
// trailing whitespace, which belongs to neither side when a call follows it.
#include "chat/tool_call_format.h"

#include <algorithm>

namespace minke {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

size_t without_trailing_space(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && is_space(s[n - 1])) --n;
  return n;
}

// Length of the longest suffix of `text` that is a proper prefix of `marker`.
size_t partial_marker_suffix(std::string_view text, std::string_view marker) {
  const size_t max = std::min(text.size(), marker.size() - 1);
  for (size_t n = max; n > 0; --n) {
    if (text.substr(text.size() - n) == marker.substr(0, n)) return n;
  }
  return 0;
}

constexpr std::string_view kPythonTag = "<|python_tag|>";

// For formats whose call is the whole answer: whether the answer's start (whitespace skipped)
// is a call, is plain text, or is not known yet.
enum class AnswerStart { kUnknown, kCall, kText };

AnswerStart answer_start(ToolCallFormat format, std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return AnswerStart::kUnknown;
  const std::string_view rest = text.substr(first);
  if (rest[0] == '{') return AnswerStart::kCall;
  if (format == ToolCallFormat::kLlama3Json) {
    if (rest.substr(0, kPythonTag.size()) == kPythonTag) return AnswerStart::kCall;
    if (kPythonTag.substr(0, rest.size()) == rest) return AnswerStart::kUnknown;
  }
  return AnswerStart::kText;
}

}  // namespace

ToolCallSplitter::ToolCallSplitter(ToolCallFormat format) : format_(format) {}

std::string ToolCallSplitter::push(std::string_view piece) {
  text_ += piece;
  if (in_calls_) return {};
  const std::string_view pending = std::string_view(text_).substr(shown_);
  const std::string_view opening = tool_call_opening(format_);
  size_t show = 0;
  if (opening.empty()) {
    // kGeneric / kLlama3Json: once the answer is known to be text (shown_ > 0), it all streams.
    const AnswerStart start = shown_ > 0 ? AnswerStart::kText : answer_start(format_, text_);
    in_calls_ = start == AnswerStart::kCall;
    if (start == AnswerStart::kText) show = pending.size();
  } else {
    const size_t at = pending.find(opening);
    in_calls_ = at != std::string_view::npos;
    const size_t safe = in_calls_ ? at : pending.size() - partial_marker_suffix(pending, opening);
    show = without_trailing_space(pending.substr(0, safe));
  }
  shown_ += show;
  return std::string(pending.substr(0, show));
}

std::string ToolCallSplitter::finish() {
  std::string held = text_.substr(shown_);
  shown_ = text_.size();
  if (!in_calls_) return held;
  ParsedToolOutput parsed = parse_tool_calls(format_, text_);
  if (!parsed.calls.empty()) return {};
  // What looked like a call was not one: it is content after all. A generic {"response": ...}
  // answer was held whole (nothing shown), and its content is the response text.
  if (format_ == ToolCallFormat::kGeneric) return parsed.content;
  return held;
}

}  // namespace minke
