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

// messages as OpenAI sends them: assistant tool_calls with arguments parsed into objects
// (`arguments_as_objects`, what most templates expect) or kept as JSON text (DeepSeek's
// templates concatenate them); content null for an assistant message that only calls tools.
nlohmann::ordered_json chat_messages_json(const std::vector<ChatMessage>& messages,
                                          bool arguments_as_objects);

// [{"type": "function", "function": {"name", "description", "parameters"}}, ...]. Throws
// minke::Error for parameters that are not JSON.
nlohmann::ordered_json tools_json(const std::vector<Tool>& tools);

// For a template without tools: the tools and how to call them (the generic JSON answer, or the
// format chosen with LlmOptions::tool_call_format) in the system message (added, or put before
// the caller's), calls in history as {"tool_calls": [...]} and tool results as user messages
// {"tool_response": {...}}.
std::vector<ChatMessage> with_generic_tool_prompt(const std::vector<ChatMessage>& messages,
                                                  const std::vector<Tool>& tools,
                                                  const ToolChoice& choice,
                                                  ToolCallFormat format = ToolCallFormat::kGeneric);

// A fresh OpenAI-style call id ("call_" and 24 letters and digits); `alnum9`: 9 letters and
// digits (Mistral's templates insist on them).
std::string new_tool_call_id(bool alnum9 = false);

}  // namespace minke
