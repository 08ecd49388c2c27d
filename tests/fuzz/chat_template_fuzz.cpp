// libFuzzer target for the chat-template interpreter (lexer, parser, evaluator and builtins):
// the input is a template, as a GGUF file's tokenizer.chat_template may carry anything. It is
// parsed, then rendered with a conversation that has every kind of message (system, reasoning,
// tool calls with object and string arguments, a tool result) and a tool list, with and without
// the generation prompt. Only minke::Error may come out; sanitizers catch the rest. The seeds
// are the real templates of tests/golden/data/chat/templates.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "minke/error.h"

namespace {

using json = nlohmann::ordered_json;

const json& conversation() {
  static const json messages = json::parse(R"([
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": null, "reasoning_content": "Look it up.",
     "tool_calls": [{"id": "call00001", "type": "function",
                     "function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                    {"id": "call00002", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\": \"Nice\"}"}}]},
    {"role": "tool", "tool_call_id": "call00001", "name": "get_weather", "content": "21.5"},
    {"role": "assistant", "content": "<think>\nok\n</think>\n\nIt is 21.5 \u00b0C.",
     "reasoning_content": "ok"},
    {"role": "user", "content": [{"type": "text", "text": "And tomorrow?"}]}
  ])");
  return messages;
}

const json& tools() {
  static const json list = json::parse(R"([
    {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                    "required": ["city"]}}}
  ])");
  return list;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<minke::ChatTemplate> tmpl;
  try {
    tmpl = minke::ChatTemplate::parse(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const minke::Error&) {
    return 0;
  }
  minke::ChatRenderOptions opts;
  opts.bos_token = "<s>";
  opts.eos_token = "</s>";
  opts.extra = {{"enable_thinking", true}};
  std::tm fixed{};
  fixed.tm_year = 126;
  fixed.tm_mday = 6;
  opts.now = fixed;
  // Smaller limits than a server's, so each input stays quick; the limits themselves are what
  // is checked (a template that loops or grows without end must stop with an error).
  opts.limits.max_output_bytes = 1u << 20;
  opts.limits.max_loop_iterations = 20'000;
  opts.limits.max_built_bytes = 64u << 20;
  for (const bool with_tools : {false, true}) {
    opts.tools = with_tools ? std::optional<json>(tools()) : std::nullopt;
    opts.add_generation_prompt = with_tools;
    try {
      (void)tmpl->render(conversation(), opts).size();
    } catch (const minke::Error&) {
    }
  }
  return 0;
}
