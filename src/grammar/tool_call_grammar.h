// The grammar that makes a model write tool calls in its own format (chat/tool_call_format.h)
// with arguments valid under each tool's JSON Schema: the whole answer for tool_choice
// "required" or a named function; for "auto", free text that becomes a constrained call from
// the format's opening marker on.
#pragma once

#include <vector>

#include "chat/tool_call_format.h"
#include "grammar/output_format.h"
#include "minke/generate.h"

namespace minke {

// The most calls one answer may hold in formats that number them (Kimi-K2).
inline constexpr int kMaxNumberedToolCalls = 16;

struct ToolGrammarRequest {
  ToolCallFormat format = ToolCallFormat::kGeneric;
  const std::vector<Tool>* tools = nullptr;
  ToolChoice choice;  // not kNone (no grammar then)
  bool parallel = true;
  ReasoningPrefix reasoning;
};

// Throws minke::Error for a tool whose parameters are not a usable JSON Schema (naming the tool
// and the keyword), an empty or duplicate tool name, or a named function that is not a tool.
FormatGrammar tool_call_gbnf(const ToolGrammarRequest& request);

// tool_choice none with the tools shown: any text that does not open a call (formats with an
// opening marker only).
FormatGrammar no_tool_call_gbnf(ToolCallFormat format, const ReasoningPrefix& reasoning);

}  // namespace minke
