// Chat messages and tools as a chat template reads them (OpenAI's JSON shapes), and the generic
// tool prompt for templates that know nothing of tools: the tools described in a system
// message, earlier calls and results written as the JSON the model is asked to produce.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/tool_call_format.h"
#include "minke/minke.h"

namespace minke {

struct MessageJsonOptions {
  // Tool-call arguments parsed into objects (what most templates expect), else kept as JSON
  // text (DeepSeek's templates concatenate them).
  bool arguments_as_objects = true;
  // content null, as OpenAI sends it, for a message that only calls tools (DeepSeek-R1's
  // template writes calls only then); else "" (Qwen3's, QwQ's and Granite's fail on null).
  bool null_content_for_calls = false;
};

// messages as OpenAI sends them, for a chat template.
nlohmann::ordered_json chat_messages_json(const std::vector<ChatMessage>& messages,
                                          const MessageJsonOptions& options);

// [{"type": "function", "function": {"name", "description", "parameters"}}, ...]. Throws
// minke::Error for parameters that are not JSON.
nlohmann::ordered_json tools_json(const std::vector<Tool>& tools);

// For a template that does not show tools: with tools (and tool_choice not none) the tools and
// how to call them (the generic JSON answer, or the format's name and opening) in the system
// message (added, or put before the caller's); with `rewrite_history` (a template that does not
// render calls either) calls in history as {"tool_calls": [...]} and tool results as user
// messages {"tool_response": {...}}.
std::vector<ChatMessage> with_generic_tool_prompt(const std::vector<ChatMessage>& messages,
                                                  const std::vector<Tool>& tools,
                                                  const ToolChoice& choice, ToolCallFormat format,
                                                  bool rewrite_history);

// A fresh OpenAI-style call id ("call_" and 24 letters and digits); `alnum9`: 9 letters and
// digits (Mistral's templates insist on them).
std::string new_tool_call_id(bool alnum9 = false);

}  // namespace minke
