// Tool-call formats: their names, their opening markers, and detection from a chat template's
// text (the markers the template writes for assistant tool calls or the instructions it gives).
#include "chat/tool_call_format.h"

#include <algorithm>
#include <array>

namespace minke {
namespace {

struct FormatInfo {
  ToolCallFormat format;
  const char* name;
  const char* opening;
};

constexpr std::array<FormatInfo, 12> kFormats{{
    {ToolCallFormat::kGeneric, "generic", ""},
    {ToolCallFormat::kHermes, "hermes", "<tool_call>"},
    {ToolCallFormat::kLlama3Json, "llama3", ""},
    {ToolCallFormat::kDeepSeekV3, "deepseek-v3", "<｜tool▁calls▁begin｜>"},
    {ToolCallFormat::kDeepSeekV31, "deepseek-v3.1", "<｜tool▁calls▁begin｜>"},
    {ToolCallFormat::kMistral, "mistral", "[TOOL_CALLS]"},
    {ToolCallFormat::kKimiK2, "kimi-k2", "<|tool_calls_section_begin|>"},
    {ToolCallFormat::kGranite, "granite", "<|tool_call|>"},
    {ToolCallFormat::kHarmony, "harmony", "<|channel|>commentary to="},
    {ToolCallFormat::kQwenXml, "qwen-xml", "<tool_call>"},
    {ToolCallFormat::kGlm, "glm", "<tool_call>"},
    {ToolCallFormat::kGemma4, "gemma4", "<|tool_call>"},
}};

const FormatInfo& info(ToolCallFormat format) {
  for (const FormatInfo& f : kFormats) {
    if (f.format == format) return f;
  }
  return kFormats[0];
}

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Skips a quoted string literal starting at `at` (a quote); returns the index after it.
size_t skip_string_literal(std::string_view text, size_t at) {
  const char quote = text[at];
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      return i + 1;
    }
  }
  return text.size();
}

// Whether the code inside one {{ }} or {% %} tag names the variable `tools` (not as an attribute,
// not inside a string literal, not as part of a longer name such as `builtin_tools`).
bool tag_names_tools(std::string_view code) {
  size_t i = 0;
  char previous = ' ';  // last non-space character before the current token
  while (i < code.size()) {
    const char c = code[i];
    if (c == '"' || c == '\'') {
      i = skip_string_literal(code, i);
      previous = c;
    } else if (is_identifier_char(c)) {
      size_t end = i;
      while (end < code.size() && is_identifier_char(code[end])) ++end;
      if (code.substr(i, end - i) == "tools" && previous != '.') return true;
      previous = code[end - 1];
      i = end;
    } else {
      if (c != ' ' && c != '\n' && c != '\t' && c != '\r') previous = c;
      ++i;
    }
  }
  return false;
}

// The end of the tag opened at `at` ("{{" or "{%"), skipping string literals that may hold the
// closing characters; npos when the tag never closes.
size_t tag_end(std::string_view text, size_t at) {
  const char close = text[at + 1] == '{' ? '}' : '%';
  for (size_t i = at + 2; i + 1 < text.size();) {
    if (text[i] == '"' || text[i] == '\'') {
      i = skip_string_literal(text, i);
    } else if (text[i] == close && text[i + 1] == '}') {
      return i;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

const char* tool_call_format_name(ToolCallFormat format) { return info(format).name; }

std::optional<ToolCallFormat> tool_call_format_from_name(std::string_view name) {
  for (const FormatInfo& f : kFormats) {
    if (name == f.name) return f.format;
  }
  return std::nullopt;
}

std::vector<std::string> tool_call_format_names() {
  std::vector<std::string> names;
  names.reserve(kFormats.size());
  for (const FormatInfo& f : kFormats) names.emplace_back(f.name);
  return names;
}

std::string_view tool_call_opening(ToolCallFormat format) { return info(format).opening; }

// Special-token markers first: they are unique to one family. Hermes' <tool_call> comes before
// the Llama 3 check because Hermes-3 (a Llama 3.1 fine-tune) also writes "parameters" in its
// tool descriptions. DeepSeek-V3 and its R1 distills wrap arguments in ```json fences and write
// the call type ("function") before <｜tool▁sep｜>; V3.1 puts the name there and raw JSON after.
ToolCallFormat detect_tool_call_format(std::string_view source) {
  if (contains(source, "<|channel|>")) return ToolCallFormat::kHarmony;
  if (contains(source, "<|tool_calls_section_begin|>")) return ToolCallFormat::kKimiK2;
  if (contains(source, "<｜tool▁calls▁begin｜>")) {
    const bool v3 = contains(source, "```json") || contains(source, "function<｜tool▁sep｜>");
    return v3 ? ToolCallFormat::kDeepSeekV3 : ToolCallFormat::kDeepSeekV31;
  }
  if (contains(source, "[TOOL_CALLS]")) return ToolCallFormat::kMistral;
  if (contains(source, "<|tool_call|>")) return ToolCallFormat::kGranite;
  // Qwen3-Coder / Qwen3.5 and GLM-4.5 wrap calls in <tool_call> too but write arguments as
  // tagged text, not Hermes's JSON.
  if (contains(source, "<function=") && contains(source, "<parameter=")) {
    return ToolCallFormat::kQwenXml;
  }
  if (contains(source, "<arg_key>")) return ToolCallFormat::kGlm;
  if (contains(source, "<|tool_call>call:")) return ToolCallFormat::kGemma4;
  if (contains(source, "<tool_call>")) return ToolCallFormat::kHermes;
  // Llama 3.1 / 3.2 ask for {"name": ..., "parameters": ...} and answer tools in the ipython
  // role (3.1 also writes <|python_tag|> for built-in tools).
  const bool llama_roles = contains(source, "ipython") || contains(source, "<|python_tag|>");
  if (llama_roles && contains(source, "\"parameters\"")) return ToolCallFormat::kLlama3Json;
  return ToolCallFormat::kGeneric;
}

bool xml_text_parameter(const nlohmann::ordered_json& p) {
  if (!p.is_object()) return false;
  if (const auto type = p.find("type"); type != p.end()) return *type == "string";
  if (const auto c = p.find("const"); c != p.end()) return c->is_string();
  const auto e = p.find("enum");
  if (e == p.end() || !e->is_array() || e->empty()) return false;
  return std::all_of(e->begin(), e->end(), [](const auto& v) { return v.is_string(); });
}

bool template_renders_tools(std::string_view source) {
  for (size_t at = source.find('{'); at != std::string_view::npos; at = source.find('{', at)) {
    if (at + 1 >= source.size()) break;
    const char kind = source[at + 1];
    if (kind == '#') {  // a comment: its words are not code
      const size_t end = source.find("#}", at + 2);
      if (end == std::string_view::npos) break;
      at = end + 2;
      continue;
    }
    if (kind != '{' && kind != '%') {
      ++at;
      continue;
    }
    const size_t end = tag_end(source, at);
    if (end == std::string_view::npos) break;
    if (tag_names_tools(source.substr(at + 2, end - at - 2))) return true;
    at = end + 2;
  }
  return false;
}

}  // namespace minke
