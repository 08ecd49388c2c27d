// The Harmony format (OpenAI's gpt-oss): the model writes messages, each a header and a body,
//   [<|start|>assistant][ to=RECIPIENT]<|channel|>CHANNEL[ to=RECIPIENT][ <|constrain|>TYPE]
//   <|message|>BODY<|end|>
// the first header's "<|start|>assistant" written by the prompt. The `analysis` channel is the
// reasoning, `final` the answer, and a message to a recipient ("functions.NAME", usually on the
// `commentary` channel) a tool call whose body is its JSON arguments; a `commentary` message
// without one is a preamble shown to the user. <|return|> and <|call|> end the generation (end-
// of-generation tokens: the text never holds them); <|end|> only ends a message.
//
// HarmonySplitter turns streamed text into reasoning and content pieces as ReasoningSplitter
// does for <think> tags; a tool-call message comes out as content in one canonical form,
//   <|channel|>commentary to=RECIPIENT<|message|>ARGUMENTS<|call|>
// which parse_tool_calls(ToolCallFormat::kHarmony) reads. Text that does not begin with a
// Harmony header (a prompt that did not ask for Harmony) passes through as content.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chat/reasoning.h"

namespace minke {

inline constexpr std::string_view kHarmonyChannel = "<|channel|>";
inline constexpr std::string_view kHarmonyMessage = "<|message|>";
inline constexpr std::string_view kHarmonyEnd = "<|end|>";
inline constexpr std::string_view kHarmonyStart = "<|start|>";
inline constexpr std::string_view kHarmonyConstrain = "<|constrain|>";
inline constexpr std::string_view kHarmonyCall = "<|call|>";
// What a canonical tool-call message starts with (tool_call_opening(kHarmony)).
inline constexpr std::string_view kHarmonyCallOpening = "<|channel|>commentary to=";

class HarmonySplitter final : public OutputSplitter {
 public:
  std::vector<ReasoningPiece> push(std::string_view text) override;
  // The end of the generation: a tool call's body is closed; a header cut off is dropped.
  std::vector<ReasoningPiece> flush() override;
  bool in_reasoning() const override { return state_ == State::kBody && kind_ == Kind::kAnalysis; }

 private:
  enum class State { kHeader, kBody, kPlain };
  enum class Kind { kAnalysis, kContent, kToolCall };
  // Reads the header in pending_ up to <|message|>: false while it is incomplete.
  bool take_header(std::vector<ReasoningPiece>& out);
  // Emits body text up to a terminator (or all that cannot start one): false while waiting.
  bool take_body(std::vector<ReasoningPiece>& out);
  void emit(std::vector<ReasoningPiece>& out, bool thinking, std::string_view text);

  State state_ = State::kHeader;
  Kind kind_ = Kind::kContent;
  bool first_header_ = true;
  std::string pending_;  // text not yet emitted: a partial header, or a possible terminator
};

}  // namespace minke
