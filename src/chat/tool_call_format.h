// Tool-call formats: how a model's chat template asks it to write function calls, detected from
// the template's text, and the parser that takes the calls out of generated text. The grammar
// that makes a model write a call correctly (src/grammar/tool_call_grammar.h) writes exactly
// what this parser reads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "minke/generate.h"  // Tool

namespace minke {

enum class ToolCallFormat {
  // No format in the template: the tools are described in a system message and the model
  // answers with one JSON object, {"tool_calls": [{"name": N, "arguments": {...}}, ...]} or
  // {"response": "text"} (llama.cpp's generic format).
  kGeneric,
  // Hermes 2 Pro / Qwen2.5 / Qwen3 / QwQ, one block per call, blocks separated by "\n":
  //   <tool_call>\n{"name": N, "arguments": {...}}\n</tool_call>
  kHermes,
  // Llama 3.1 / 3.2 custom tools: the whole answer is {"name": N, "parameters": {...}} (one call).
  kLlama3Json,
  // DeepSeek-V3 / R1 (and R1 distills): <｜tool▁calls▁begin｜>, then per call (joined by "\n")
  //   <｜tool▁call▁begin｜>function<｜tool▁sep｜>N\n```json\n{...}\n```<｜tool▁call▁end｜>
  // then <｜tool▁calls▁end｜>.
  kDeepSeekV3,
  // DeepSeek-V3.1: <｜tool▁calls▁begin｜>, then per call (nothing between calls)
  //   <｜tool▁call▁begin｜>N<｜tool▁sep｜>{...}<｜tool▁call▁end｜>
  // then <｜tool▁calls▁end｜>.
  kDeepSeekV31,
  // Mistral (Nemo and later): [TOOL_CALLS][{"name": N, "arguments": {...}, "id": "9 alnum"}, ...]
  kMistral,
  // Kimi-K2: <|tool_calls_section_begin|>, then per call (nothing between calls)
  //   <|tool_call_begin|>functions.N:I<|tool_call_argument_begin|>{...}<|tool_call_end|>
  // (I counts calls from 0), then <|tool_calls_section_end|>.
  kKimiK2,
  // Granite 3.x: <|tool_call|>[{"name": N, "arguments": {...}}, ...]
  kGranite,
  // Harmony (gpt-oss): a message to a recipient, <|channel|>commentary to=functions.N
  // <|constrain|>json<|message|>{...}<|call|> (one call per answer). HarmonySplitter
  // (chat/harmony.h) rewrites it to <|channel|>commentary to=functions.N<|message|>{...}<|call|>,
  // the form parse_tool_calls() reads.
  kHarmony,
  // Qwen3-Coder / Qwen3.5: per call (calls joined by "\n")
  //   <tool_call>\n<function=N>\n<parameter=K>\nVALUE\n</parameter>\n...</function>\n</tool_call>
  // one parameter block per argument, VALUE the raw text of a string argument and JSON for any
  // other type.
  kQwenXml,
  // GLM-4.5 / 4.6: per call (calls joined by "\n")
  //   <tool_call>N\n<arg_key>K</arg_key>\n<arg_value>VALUE</arg_value>\n...</tool_call>
  // VALUE as kQwenXml's.
  kGlm,
  // Gemma 4: per call (nothing between calls) <|tool_call>call:N{ARGS}<tool_call|>, ARGS in
  // Gemma's JSON dialect: bare keys, strings between <|"|> marks (unescaped), numbers, true,
  // false, null, [..] and {..} as in JSON.
  kGemma4,
};

// The formats whose arguments are tagged text, one value per parameter (kQwenXml, kGlm).
inline bool tagged_arguments(ToolCallFormat f) {
  return f == ToolCallFormat::kQwenXml || f == ToolCallFormat::kGlm;
}

// "generic", "hermes", "llama3", "deepseek-v3", "deepseek-v3.1", "mistral", "kimi-k2", "granite",
// "harmony", "qwen-xml", "glm", "gemma4".
const char* tool_call_format_name(ToolCallFormat format);
std::optional<ToolCallFormat> tool_call_format_from_name(std::string_view name);
// Every format's name, for --help and error messages.
std::vector<std::string> tool_call_format_names();

// The format a template's own text asks for (markers it writes, instructions it gives);
// kGeneric when it has none.
ToolCallFormat detect_tool_call_format(std::string_view template_source);
// Whether the template renders the `tools` variable itself; when it does not, the front end
// describes the tools in a system message (generic format).
bool template_renders_tools(std::string_view template_source);

// The text that opens the first call in this format, for formats where calls follow free text
// (Hermes, DeepSeek, Mistral, Kimi, Granite); empty for kGeneric and kLlama3Json, whose answer is
// JSON from its first character.
std::string_view tool_call_opening(ToolCallFormat format);

// Whether the tagged formats write a parameter of this JSON Schema as raw text: a string, or one of
// a few strings (an enum or a const of strings without a type). Any other is written as JSON.
bool xml_text_parameter(const nlohmann::ordered_json& property_schema);

struct ParsedToolCall {
  std::string name;
  std::string arguments;  // compact JSON text of an object
  std::string id;         // the "id" string a call object carries (Mistral), else empty
};

struct ParsedToolOutput {
  // With calls: the text before them, trimmed of whitespace. Without: the whole text unchanged
  // (for kGeneric's {"response": "text"}, that text).
  std::string content;
  std::vector<ParsedToolCall> calls;
};

// Takes the calls out of a whole generated text. Text that is not a well-formed call in the
// format stays content (a model without a grammar may write anything); with the grammar in
// force the calls are always well-formed. The call section (from the opening to the end of the
// text) must parse completely, or the whole text is content: never a partial list of calls.
// Tolerated beyond the exact forms above: any whitespace between markers and JSON values, the
// last closing marker missing at the very end (</tool_call>, <｜tool▁call▁end｜>,
// <｜tool▁calls▁end｜>, <|tool_call_end|>, <|tool_calls_section_end|>), arguments written as a
// JSON string holding an object (as Qwen2.5's and Kimi's templates copy OpenAI's history
// strings), "parameters" for "arguments" and vice versa, and kLlama3Json's optional leading
// <|python_tag|>. Names must be non-empty without whitespace, quotes or brackets; JSON nested
// deeper than 128 levels is not read (its serialiser recurses). Arguments come back
// re-serialised: key order kept, numbers in canonical form (2.5e3 becomes 2500.0). The tagged
// formats' parameter values are trimmed of surrounding whitespace; one becomes a JSON string when
// `tools` gives its parameter type "string" (or the tool or parameter is unknown), else the JSON
// value its text is (a string when it is not JSON).
ParsedToolOutput parse_tool_calls(ToolCallFormat format, std::string_view text,
                                  const std::vector<Tool>* tools = nullptr);

// Streams content while a generation is under way and holds back what may be a call: text that
// could be the start of tool_call_opening() is kept until it is known not to be, and everything
// from the opening on is kept for parse_tool_calls(). Trailing whitespace is held too until text
// follows it, so the content shown before a call ends at its last visible character, as
// parse_tool_calls() trims it. For kGeneric and kLlama3Json, whose calls start the answer,
// output starting with '{' (or <|python_tag|> for Llama 3) after whitespace is held whole.
class ToolCallSplitter {
 public:
  explicit ToolCallSplitter(ToolCallFormat format);
  // Content that can be shown now.
  std::string push(std::string_view text);
  // The content still held when the generation ends: the held text when no call started, and
  // also when what started as a call is not well-formed (for kGeneric's {"response": "text"},
  // that text); empty when calls parsed. So what push() and finish() return adds up to
  // parse_tool_calls(text()).content, except that content before a call keeps its leading
  // whitespace.
  std::string finish();
  // A call has started: the rest of the output is the calls (if they parse).
  bool in_calls() const { return in_calls_; }
  // Everything pushed so far.
  const std::string& text() const { return text_; }

 private:
  ToolCallFormat format_;
  std::string text_;
  size_t shown_ = 0;  // bytes of text_ already returned as content
  bool in_calls_ = false;
};

}  // namespace minke
