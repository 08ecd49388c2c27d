// HarmonySplitter: see harmony.h. pending_ holds what is not yet certain: in a header, the whole
// header until its <|message|>; in a body, a suffix that may be the start of a terminator.
#include "chat/harmony.h"

#include <algorithm>
#include <array>

namespace minke {
namespace {

// A header longer than this without <|message|> is not one (nothing is held without bound).
constexpr size_t kMaxHeader = 512;

// What ends a body: <|end|>, or the next message's <|start|> (a model that skips <|end|>), or
// <|call|> / <|return|> should they reach the text.
constexpr std::array<std::string_view, 4> kBodyEnds = {kHarmonyEnd, kHarmonyStart, kHarmonyCall,
                                                       "<|return|>"};

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Whether `text` (whitespace skipped) begins a header: the message start, the channel, or a
// recipient in the role part (the prompt wrote "<|start|>assistant", the model " to=functions.f
// <|channel|>..."); or could still grow into one.
bool may_be_header(std::string_view text) {
  for (const std::string_view open : {kHarmonyStart, kHarmonyChannel, std::string_view("to=")}) {
    const size_t n = std::min(text.size(), open.size());
    if (text.substr(0, n) == open.substr(0, n)) return true;
  }
  return false;
}

// The word after `key` in a header (up to whitespace or the next marker), or "".
std::string_view header_word(std::string_view header, std::string_view key) {
  const size_t at = header.find(key);
  if (at == std::string_view::npos) return {};
  std::string_view rest = header.substr(at + key.size());
  size_t n = 0;
  while (n < rest.size() && !is_space(rest[n]) && rest[n] != '<') ++n;
  return rest.substr(0, n);
}

// Length of the longest suffix of `text` that is a proper prefix of a body terminator.
size_t partial_end_suffix(std::string_view text) {
  size_t hold = 0;
  for (const std::string_view end : kBodyEnds) {
    for (size_t n = std::min(text.size(), end.size() - 1); n > hold; --n) {
      if (text.substr(text.size() - n) == end.substr(0, n)) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}

}  // namespace

void HarmonySplitter::emit(std::vector<ReasoningPiece>& out, bool thinking, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty() && out.back().thinking == thinking) {
    out.back().text += text;
  } else {
    out.push_back({thinking, std::string(text)});
  }
}

bool HarmonySplitter::take_header(std::vector<ReasoningPiece>& out) {
  size_t lead = 0;  // whitespace between messages
  while (lead < pending_.size() && is_space(pending_[lead])) ++lead;
  const std::string_view text = std::string_view(pending_).substr(lead);
  if (text.empty()) return false;
  // Only the first kMaxHeader bytes may hold the header's end, however the text was cut.
  const size_t at = text.substr(0, kMaxHeader + kHarmonyMessage.size()).find(kHarmonyMessage);
  if (!may_be_header(text) ||
      (at == std::string_view::npos && text.size() >= kMaxHeader + kHarmonyMessage.size())) {
    // Not Harmony after all: everything from here on is plain content.
    state_ = State::kPlain;
    emit(out, false, first_header_ ? std::string_view(pending_) : text);
    pending_.clear();
    return false;
  }
  if (at == std::string_view::npos) return false;
  const std::string_view header = text.substr(0, at);
  const std::string_view recipient = header_word(header, "to=");
  const std::string_view channel = header_word(header, kHarmonyChannel);
  kind_ = !recipient.empty()      ? Kind::kToolCall
          : channel == "analysis" ? Kind::kAnalysis
                                  : Kind::kContent;
  if (kind_ == Kind::kToolCall) {
    emit(out, false,
         std::string(kHarmonyCallOpening) + std::string(recipient) + std::string(kHarmonyMessage));
  }
  pending_.erase(0, lead + at + kHarmonyMessage.size());
  state_ = State::kBody;
  first_header_ = false;
  return true;
}

bool HarmonySplitter::take_body(std::vector<ReasoningPiece>& out) {
  const std::string_view text = pending_;
  size_t at = std::string_view::npos, len = 0;
  for (const std::string_view end : kBodyEnds) {
    const size_t i = text.find(end);
    if (i < at) at = i, len = end == kHarmonyStart ? 0 : end.size();  // <|start|> opens the next
  }
  const bool thinking = kind_ == Kind::kAnalysis;
  if (at == std::string_view::npos) {
    const size_t hold = partial_end_suffix(text);
    emit(out, thinking, text.substr(0, text.size() - hold));
    pending_.erase(0, text.size() - hold);
    return false;
  }
  emit(out, thinking, text.substr(0, at));
  if (kind_ == Kind::kToolCall) emit(out, false, kHarmonyCall);
  pending_.erase(0, at + len);
  state_ = State::kHeader;
  return true;
}

std::vector<ReasoningPiece> HarmonySplitter::push(std::string_view text) {
  std::vector<ReasoningPiece> out;
  if (state_ == State::kPlain) {
    emit(out, false, text);
    return out;
  }
  pending_ += text;
  for (;;) {
    if (state_ == State::kHeader && !take_header(out)) break;
    if (state_ == State::kBody && !take_body(out)) break;
    if (state_ == State::kPlain) break;
  }
  return out;
}

std::vector<ReasoningPiece> HarmonySplitter::flush() {
  std::vector<ReasoningPiece> out;
  if (state_ == State::kBody) {
    emit(out, kind_ == Kind::kAnalysis, pending_);
    if (kind_ == Kind::kToolCall) emit(out, false, kHarmonyCall);
  } else if (state_ == State::kPlain || (first_header_ && !may_be_header(pending_))) {
    emit(out, false, pending_);
  }
  pending_.clear();
  state_ = State::kHeader;
  return out;
}

}  // namespace minke
