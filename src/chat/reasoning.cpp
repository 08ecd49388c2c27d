// ReasoningSplitter: see reasoning.h. The state is which side of a tag we are on, whether
// whitespace right after a tag is still being dropped, and a pending suffix of text that may be
// the start of the tag we wait for (while thinking, with the whitespace before it).
#include "chat/reasoning.h"

#include <algorithm>

namespace minke {
namespace {

// Length of the longest suffix of `text` that is a proper prefix of `tag`.
size_t partial_tag_suffix(std::string_view text, std::string_view tag) {
  const size_t max = std::min(text.size(), tag.size() - 1);
  for (size_t n = max; n > 0; --n) {
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

std::string_view strip_trailing_space(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

ReasoningSplitter::ReasoningSplitter(ReasoningOptions options)
    : options_(std::move(options)),
      thinking_(options_.start_in_reasoning),
      skip_space_(options_.start_in_reasoning) {}

void ReasoningSplitter::emit(std::vector<ReasoningPiece>& out, std::string_view text) {
  if (skip_space_) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    if (text.empty()) return;
    skip_space_ = false;
  }
  if (text.empty()) return;
  if (!out.empty() && out.back().thinking == thinking_) {
    out.back().text += text;
  } else {
    out.push_back({thinking_, std::string(text)});
  }
}

std::vector<ReasoningPiece> ReasoningSplitter::push(std::string_view text) {
  std::vector<ReasoningPiece> out;
  std::string buf = std::move(pending_);
  pending_.clear();
  buf += text;
  std::string_view rest = buf;
  for (;;) {
    const std::string& tag = thinking_ ? options_.close_tag : options_.open_tag;
    const size_t at = rest.find(tag);
    if (at == std::string_view::npos) break;
    const std::string_view before = rest.substr(0, at);
    emit(out, thinking_ ? strip_trailing_space(before) : before);
    rest.remove_prefix(at + tag.size());
    thinking_ = !thinking_;
    skip_space_ = true;
  }
  const std::string& tag = thinking_ ? options_.close_tag : options_.open_tag;
  size_t hold = partial_tag_suffix(rest, tag);
  if (thinking_)
    hold = rest.size() - strip_trailing_space(rest.substr(0, rest.size() - hold)).size();
  emit(out, rest.substr(0, rest.size() - hold));
  pending_ = std::string(rest.substr(rest.size() - hold));
  return out;
}

std::vector<ReasoningPiece> ReasoningSplitter::flush() {
  std::vector<ReasoningPiece> out;
  emit(out, pending_);
  pending_.clear();
  return out;
}

bool prompt_opens_reasoning(std::string_view prompt, const ReasoningOptions& options) {
  const size_t open = prompt.rfind(options.open_tag);
  if (open == std::string_view::npos) return false;
  const size_t close = prompt.rfind(options.close_tag);
  return close == std::string_view::npos || close < open;
}

}  // namespace minke
