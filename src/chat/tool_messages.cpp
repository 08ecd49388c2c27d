// Tool messages: see tool_messages.h.
#include "chat/tool_messages.h"

#include <random>

#include "chat/bounded_json.h"
#include "minke/error.h"

namespace minke {

namespace {

using json = nlohmann::ordered_json;

// The client's arguments as an object for templates that want one; text that is not JSON (or
// nests too deep to walk safely) stays text.
json parse_or_text(const std::string& text) {
  json v = parse_bounded_json(text);
  return v.is_discarded() ? json(text) : v;
}

json tool_calls_json(const std::vector<ToolCall>& calls, bool arguments_as_objects) {
  json out = json::array();
  for (const ToolCall& c : calls) {
    out.push_back(
        {{"id", c.id},
         {"type", "function"},
         {"function",
          {{"name", c.name},
           {"arguments", arguments_as_objects ? parse_or_text(c.arguments) : json(c.arguments)}}}});
  }
  return out;
}

std::string generic_instructions(const std::vector<Tool>& tools, const ToolChoice& choice,
                                 ToolCallFormat format) {
  std::string text = "You can call these tools:\n" + tools_json(tools).dump(2) + "\n\n";
  if (format != ToolCallFormat::kGeneric) {
    // A format chosen for a template that does not show tools: name it and its opening.
    text += "To call tools, write the calls in the " + std::string(tool_call_format_name(format)) +
            " tool-call format";
    const std::string_view opening = tool_call_opening(format);
    if (!opening.empty()) text += ", starting with " + std::string(opening);
    return text + ".";
  }
  text +=
      "Answer with one JSON object: {\"tool_calls\": [{\"name\": \"<tool name>\", "
      "\"arguments\": {<arguments>}}]} to call tools";
  if (choice.mode == ToolChoice::Mode::kAuto) {
    text += ", or {\"response\": \"<your answer>\"} to answer directly";
  }
  if (choice.mode == ToolChoice::Mode::kFunction) text += " (call " + choice.function + ")";
  return text + ".";
}

}  // namespace

json chat_messages_json(const std::vector<ChatMessage>& messages,
                        const MessageJsonOptions& options) {
  json out = json::array();
  for (const ChatMessage& m : messages) {
    json j = {{"role", m.role}};
    const bool calls_only = !m.tool_calls.empty() && m.content.empty();
    j["content"] = calls_only && options.null_content_for_calls ? json(nullptr) : json(m.content);
    if (!m.tool_calls.empty()) {
      j["tool_calls"] = tool_calls_json(m.tool_calls, options.arguments_as_objects);
    }
    if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
    if (!m.name.empty()) j["name"] = m.name;
    if (!m.reasoning.empty()) j["reasoning_content"] = j["thinking"] = m.reasoning;
    out.push_back(std::move(j));
  }
  return out;
}

json tools_json(const std::vector<Tool>& tools) {
  json out = json::array();
  for (const Tool& t : tools) {
    json parameters = parse_bounded_json(t.parameters);
    if (parameters.is_discarded()) {
      throw Error("tool '" + t.name + "': parameters is not JSON nested at most " +
                  std::to_string(kMaxJsonNesting) + " deep");
    }
    json function = {{"name", t.name}};
    if (!t.description.empty()) function["description"] = t.description;
    function["parameters"] = std::move(parameters);
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

std::vector<ChatMessage> with_generic_tool_prompt(const std::vector<ChatMessage>& messages,
                                                  const std::vector<Tool>& tools,
                                                  const ToolChoice& choice, ToolCallFormat format,
                                                  bool rewrite_history) {
  std::vector<ChatMessage> out;
  const bool describe = !tools.empty() && choice.mode != ToolChoice::Mode::kNone;
  const std::string instructions = describe ? generic_instructions(tools, choice, format) : "";
  if (describe && (messages.empty() || messages[0].role != "system")) {
    out.push_back({"system", instructions});
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (describe && i == 0 && m.role == "system") {
      out.push_back({"system", instructions + "\n\n" + m.content});
    } else if (!rewrite_history) {
      out.push_back(m);
    } else if (m.role == "assistant" && !m.tool_calls.empty()) {
      json calls = json::array();
      for (const ToolCall& c : m.tool_calls) {
        calls.push_back({{"name", c.name}, {"arguments", parse_or_text(c.arguments)}});
      }
      out.push_back({"assistant", json{{"tool_calls", calls}}.dump()});
    } else if (m.role == "tool") {
      json result = {{"tool_call_id", m.tool_call_id}};
      if (!m.name.empty()) result["name"] = m.name;
      result["content"] = m.content;
      out.push_back({"user", json{{"tool_response", result}}.dump()});
    } else {
      out.push_back(m);
    }
  }
  return out;
}

std::string new_tool_call_id(bool alnum9) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof kChars - 2);
  std::string id = alnum9 ? "" : "call_";
  for (int i = 0; i < (alnum9 ? 9 : 24); ++i) id += kChars[pick(rng)];
  return id;
}

}  // namespace minke
