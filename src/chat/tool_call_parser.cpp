// parse_tool_calls: takes the calls out of a whole generated text in one of the formats of
// tool_call_format.h. A call section that does not parse completely leaves the whole text as
// content, so model output never makes the parser fail.
#include "chat/tool_call_format.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "chat/bounded_json.h"

namespace minke {
namespace {

using json = nlohmann::ordered_json;
using Calls = std::vector<ParsedToolCall>;

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Length of the JSON string, object or array that starts `s` (brackets balanced, string
// literals skipped), or 0 when it does not close. The text is validated later by nlohmann.
size_t json_extent(std::string_view s) {
  if (s.empty() || (s[0] != '{' && s[0] != '[' && s[0] != '"')) return 0;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;  // a top-level string
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return 0;
}

// Compact JSON text of call arguments: an object, or a string that holds one (what templates
// write when the history's arguments are OpenAI's JSON-encoded strings).
std::optional<std::string> arguments_text(const json& args) {
  const json decoded = args.is_string() ? parse_bounded_json(args.get<std::string>()) : json();
  const json& object = args.is_string() ? decoded : args;
  if (!object.is_object()) return std::nullopt;
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A plausible function name: not empty, no whitespace or JSON/marker punctuation, so that a call
// whose separator is missing cannot take the next call's markers as its name. Whether a tool of
// that name exists is for the caller to check against the request.
bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (is_space(c) || std::string_view("<>{}[]\"").find(c) != std::string_view::npos) return false;
  }
  return true;
}

std::optional<ParsedToolCall> make_call(std::string_view name, const json& args) {
  if (!valid_name(name)) return std::nullopt;
  std::optional<std::string> text = arguments_text(args);
  if (!text) return std::nullopt;
  return ParsedToolCall{.name = std::string(name), .arguments = std::move(*text), .id = {}};
}

// {"name": N, "arguments": {...}} ("parameters" is Llama 3's word for "arguments"), with an "id"
// kept when the object has one.
std::optional<ParsedToolCall> call_from_object(const json& obj) {
  if (!obj.is_object()) return std::nullopt;
  const auto name = obj.find("name");
  auto args = obj.find("arguments");
  if (args == obj.end()) args = obj.find("parameters");
  if (name == obj.end() || !name->is_string() || args == obj.end()) return std::nullopt;
  std::optional<ParsedToolCall> call = make_call(name->get<std::string>(), *args);
  const auto id = obj.find("id");
  if (call && id != obj.end() && id->is_string()) call->id = id->get<std::string>();
  return call;
}

std::optional<Calls> calls_from_array(const json& array) {
  if (!array.is_array() || array.empty()) return std::nullopt;
  Calls calls;
  for (const json& item : array) {
    std::optional<ParsedToolCall> call = call_from_object(item);
    if (!call) return std::nullopt;
    calls.push_back(std::move(*call));
  }
  return calls;
}

// Reads a call section left to right; every step skips the whitespace before what it reads.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  bool at_end() {
    skip_space();
    return rest_.empty();
  }
  bool eat(std::string_view marker) {
    skip_space();
    if (rest_.substr(0, marker.size()) != marker) return false;
    rest_.remove_prefix(marker.size());
    return true;
  }
  // A closing marker, which a generation cut off at the very end may lack.
  bool close(std::string_view marker) { return eat(marker) || at_end(); }
  // The trimmed text up to `marker`, consuming both.
  std::optional<std::string_view> until(std::string_view marker) {
    const size_t at = rest_.find(marker);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view before = trim(rest_.substr(0, at));
    rest_.remove_prefix(at + marker.size());
    return before;
  }
  // Everything left, trimmed, consuming it.
  std::string_view take_rest() {
    const std::string_view all = trim(rest_);
    rest_ = {};
    return all;
  }
  // One JSON string, object or array; discarded (not null) when there is none.
  json value() {
    skip_space();
    const size_t n = json_extent(rest_);
    if (n == 0) return json(json::value_t::discarded);
    json v = parse_bounded_json(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return v;
  }

 private:
  void skip_space() {
    while (!rest_.empty() && is_space(rest_.front())) rest_.remove_prefix(1);
  }
  std::string_view rest_;
};

// <tool_call>{"name": N, "arguments": {...}}</tool_call>, blocks separated by whitespace.
std::optional<Calls> hermes_calls(Cursor& c) {
  Calls calls;
  while (!c.at_end()) {
    if (!c.eat("<tool_call>")) return std::nullopt;
    std::optional<ParsedToolCall> call = call_from_object(c.value());
    if (!call || !c.close("</tool_call>")) return std::nullopt;
    calls.push_back(std::move(*call));
  }
  return calls;
}

constexpr std::string_view kDsCallsBegin = "<｜tool▁calls▁begin｜>";
constexpr std::string_view kDsCallsEnd = "<｜tool▁calls▁end｜>";
constexpr std::string_view kDsCallBegin = "<｜tool▁call▁begin｜>";
constexpr std::string_view kDsCallEnd = "<｜tool▁call▁end｜>";
constexpr std::string_view kDsSep = "<｜tool▁sep｜>";

// One DeepSeek call after <｜tool▁call▁begin｜>: V3 writes "function<｜tool▁sep｜>N\n```json\n
// {...}\n```", V3.1 writes "N<｜tool▁sep｜>{...}".
std::optional<ParsedToolCall> deepseek_call(Cursor& c, bool v31) {
  std::optional<std::string_view> name;
  if (v31) {
    name = c.until(kDsSep);
  } else if (c.eat("function") && c.eat(kDsSep)) {
    name = c.until("```json");
  }
  if (!name) return std::nullopt;
  std::optional<ParsedToolCall> call = make_call(*name, c.value());
  if (!call || (!v31 && !c.eat("```"))) return std::nullopt;
  return call;
}

std::optional<Calls> deepseek_calls(Cursor& c, bool v31) {
  if (!c.eat(kDsCallsBegin)) return std::nullopt;
  Calls calls;
  do {
    if (!c.eat(kDsCallBegin)) return std::nullopt;
    std::optional<ParsedToolCall> call = deepseek_call(c, v31);
    if (!call || !c.close(kDsCallEnd)) return std::nullopt;
    calls.push_back(std::move(*call));
  } while (!c.eat(kDsCallsEnd) && !c.at_end());
  if (!c.at_end()) return std::nullopt;
  return calls;
}

// Kimi names a call "functions.NAME:INDEX".
std::optional<std::string_view> kimi_name(std::string_view id) {
  constexpr std::string_view kPrefix = "functions.";
  const size_t colon = id.rfind(':');
  if (id.substr(0, kPrefix.size()) != kPrefix || colon == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view index = id.substr(colon + 1);
  if (index.empty() || index.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return id.substr(kPrefix.size(), colon - kPrefix.size());
}

std::optional<Calls> kimi_calls(Cursor& c) {
  if (!c.eat("<|tool_calls_section_begin|>")) return std::nullopt;
  Calls calls;
  do {
    if (!c.eat("<|tool_call_begin|>")) return std::nullopt;
    const std::optional<std::string_view> id = c.until("<|tool_call_argument_begin|>");
    const std::optional<std::string_view> name = id ? kimi_name(*id) : std::nullopt;
    if (!name) return std::nullopt;
    std::optional<ParsedToolCall> call = make_call(*name, c.value());
    if (!call || !c.close("<|tool_call_end|>")) return std::nullopt;
    calls.push_back(std::move(*call));
  } while (!c.eat("<|tool_calls_section_end|>") && !c.at_end());
  if (!c.at_end()) return std::nullopt;
  return calls;
}

// Harmony's canonical calls (HarmonySplitter): <|channel|>commentary to=functions.N<|message|>
// {...}<|call|>, one after another; a recipient outside functions. keeps its whole name.
std::optional<Calls> harmony_calls(Cursor& c) {
  constexpr std::string_view kFunctions = "functions.";
  Calls calls;
  do {
    if (!c.eat("<|channel|>commentary to=")) return std::nullopt;
    std::optional<std::string_view> name = c.until("<|message|>");
    if (!name) return std::nullopt;
    if (name->substr(0, kFunctions.size()) == kFunctions) name->remove_prefix(kFunctions.size());
    std::optional<ParsedToolCall> call = make_call(*name, c.value());
    if (!call || !c.close("<|call|>")) return std::nullopt;
    calls.push_back(std::move(*call));
  } while (!c.at_end());
  return calls;
}

// [TOOL_CALLS][...] and <|tool_call|>[...]: the marker, then one JSON array of call objects.
std::optional<Calls> array_calls(Cursor& c, std::string_view marker) {
  if (!c.eat(marker)) return std::nullopt;
  std::optional<Calls> calls = calls_from_array(c.value());
  if (!c.at_end()) return std::nullopt;
  return calls;
}

enum class ParamKind { kText, kJson, kUnknown };

// How `tools` declares parameter `key` of tool `name` (kUnknown when it does not say).
ParamKind parameter_kind(const std::vector<Tool>* tools, std::string_view name,
                         std::string_view key) {
  if (tools == nullptr) return ParamKind::kUnknown;
  for (const Tool& t : *tools) {
    if (t.name != name) continue;
    const json schema = parse_bounded_json(t.parameters);
    if (!schema.is_object()) return ParamKind::kUnknown;
    const auto props = schema.find("properties");
    if (props == schema.end() || !props->is_object()) return ParamKind::kUnknown;
    const auto prop = props->find(std::string(key));
    if (prop == props->end()) return ParamKind::kUnknown;
    return xml_text_parameter(*prop) ? ParamKind::kText : ParamKind::kJson;
  }
  return ParamKind::kUnknown;
}

// A parameter's raw text as a JSON value: a text parameter's text as it is; any other the JSON
// its text is, or the text when that is not JSON. Of a parameter of unknown kind only JSON that
// is not a string is taken (a bare word stays text).
json parameter_value(std::string_view text, ParamKind kind) {
  if (kind == ParamKind::kText) return std::string(text);
  json v = parse_bounded_json(text);
  if (v.is_discarded() || (kind == ParamKind::kUnknown && v.is_string())) {
    return std::string(text);
  }
  return v;
}

// Qwen3-Coder's calls: <tool_call> <function=N> (<parameter=K> VALUE </parameter>)*
// </function> </tool_call>, blocks separated by whitespace.
std::optional<Calls> qwen_xml_calls(Cursor& c, const std::vector<Tool>* tools) {
  Calls calls;
  while (!c.at_end()) {
    if (!c.eat("<tool_call>") || !c.eat("<function=")) return std::nullopt;
    const std::optional<std::string_view> name = c.until(">");
    if (!name || !valid_name(*name)) return std::nullopt;
    json args = json::object();
    while (c.eat("<parameter=")) {
      const std::optional<std::string_view> key = c.until(">");
      const std::optional<std::string_view> value = key ? c.until("</parameter>") : std::nullopt;
      if (!value || key->empty()) return std::nullopt;
      args[std::string(*key)] = parameter_value(*value, parameter_kind(tools, *name, *key));
    }
    if (!c.eat("</function>") || !c.close("</tool_call>")) return std::nullopt;
    calls.push_back({.name = std::string(*name),
                     .arguments = args.dump(-1, ' ', false, json::error_handler_t::replace),
                     .id = {}});
  }
  return calls;
}

// GLM's calls: <tool_call>N (<arg_key>K</arg_key> <arg_value>VALUE</arg_value>)* </tool_call>,
// blocks separated by whitespace.
std::optional<Calls> glm_calls(Cursor& c, const std::vector<Tool>* tools) {
  Calls calls;
  while (!c.at_end()) {
    if (!c.eat("<tool_call>")) return std::nullopt;
    std::optional<std::string_view> body = c.until("</tool_call>");
    if (!body) {
      // The last close may be missing at the very end, after complete arguments (a bare name
      // there is text that mentions the tag, or a call cut off).
      body = c.take_rest();
      if (body->find("<arg_key>") == std::string_view::npos) return std::nullopt;
    }
    Cursor b(*body);
    std::optional<std::string_view> name = b.until("<arg_key>");
    const bool has_args = name.has_value();
    if (!has_args) name = b.take_rest();
    if (!valid_name(*name)) return std::nullopt;
    json args = json::object();
    for (bool more = has_args; more; more = b.eat("<arg_key>")) {
      const std::optional<std::string_view> key = b.until("</arg_key>");
      if (!key || key->empty() || !b.eat("<arg_value>")) return std::nullopt;
      const std::optional<std::string_view> value = b.until("</arg_value>");
      if (!value) return std::nullopt;
      args[std::string(*key)] = parameter_value(*value, parameter_kind(tools, *name, *key));
    }
    if (!b.at_end()) return std::nullopt;
    calls.push_back({.name = std::string(*name),
                     .arguments = args.dump(-1, ' ', false, json::error_handler_t::replace),
                     .id = {}});
  }
  return calls;
}

constexpr std::string_view kGemmaQuote = "<|\"|>";

// One value of Gemma 4's JSON dialect at the start of `s` (consumed) as JSON; discarded when
// it is not one, or nests deeper than kMaxJsonNesting.
json gemma_value(std::string_view& s, int depth) {
  const auto skip = [&] {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  };
  const auto eat = [&](std::string_view what) {
    skip();
    if (s.substr(0, what.size()) != what) return false;
    s.remove_prefix(what.size());
    return true;
  };
  const json bad(json::value_t::discarded);
  if (depth >= kMaxJsonNesting) return bad;  // levels 0..127, as nests_at_most_max allows
  skip();
  if (eat(kGemmaQuote)) {
    const size_t end = s.find(kGemmaQuote);
    if (end == std::string_view::npos) return bad;
    json v = std::string(s.substr(0, end));
    s.remove_prefix(end + kGemmaQuote.size());
    return v;
  }
  const bool object = eat("{");
  if (object || eat("[")) {
    json v = object ? json::object() : json::array();
    if (eat(object ? "}" : "]")) return v;
    do {
      std::string key;
      if (object) {
        skip();
        if (eat(kGemmaQuote)) {
          const size_t end = s.find(kGemmaQuote);
          if (end == std::string_view::npos) return bad;
          key = std::string(s.substr(0, end));
          s.remove_prefix(end + kGemmaQuote.size());
        } else {
          size_t n = 0;
          while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_'))
            ++n;
          key = std::string(s.substr(0, n));
          s.remove_prefix(n);
        }
        if (key.empty() || !eat(":")) return bad;
      }
      json item = gemma_value(s, depth + 1);
      if (item.is_discarded()) return bad;
      if (object) {
        v[key] = std::move(item);
      } else {
        v.push_back(std::move(item));
      }
    } while (eat(","));
    return eat(object ? "}" : "]") ? v : bad;
  }
  // A number, true, false or null: up to the next delimiter.
  size_t n = 0;
  while (n < s.size() && std::string_view(",}]<").find(s[n]) == std::string_view::npos &&
         !is_space(s[n]))
    ++n;
  json v = parse_bounded_json(s.substr(0, n));
  if (n == 0 || v.is_discarded() || v.is_string() || v.is_object() || v.is_array()) return bad;
  s.remove_prefix(n);
  return v;
}

// Gemma 4's calls: <|tool_call>call:N{...}<tool_call|>, one after another.
std::optional<Calls> gemma4_calls(Cursor& c) {
  Calls calls;
  while (!c.at_end()) {
    if (!c.eat("<|tool_call>") || !c.eat("call:")) return std::nullopt;
    std::optional<std::string_view> name = c.until("{");
    if (!name || !valid_name(*name)) return std::nullopt;
    std::string_view rest = c.take_rest();
    std::string body = "{" + std::string(rest);
    std::string_view s = body;
    const json args = gemma_value(s, 0);
    if (!args.is_object()) return std::nullopt;
    Cursor after(s);
    if (!after.close("<tool_call|>")) return std::nullopt;
    calls.push_back({.name = std::string(*name),
                     .arguments = args.dump(-1, ' ', false, json::error_handler_t::replace),
                     .id = {}});
    c = Cursor(rest.substr(rest.size() - after.take_rest().size()));
  }
  return calls;
}

std::optional<Calls> marked_calls(ToolCallFormat format, Cursor& c,
                                  const std::vector<Tool>* tools) {
  switch (format) {
    case ToolCallFormat::kHermes:
      return hermes_calls(c);
    case ToolCallFormat::kDeepSeekV3:
      return deepseek_calls(c, false);
    case ToolCallFormat::kDeepSeekV31:
      return deepseek_calls(c, true);
    case ToolCallFormat::kKimiK2:
      return kimi_calls(c);
    case ToolCallFormat::kHarmony:
      return harmony_calls(c);
    case ToolCallFormat::kMistral:
    case ToolCallFormat::kGranite:
      return array_calls(c, tool_call_opening(format));
    case ToolCallFormat::kQwenXml:
      return qwen_xml_calls(c, tools);
    case ToolCallFormat::kGlm:
      return glm_calls(c, tools);
    case ToolCallFormat::kGemma4:
      return gemma4_calls(c);
    case ToolCallFormat::kGeneric:
    case ToolCallFormat::kLlama3Json:
      break;
  }
  return std::nullopt;
}

ParsedToolOutput plain(std::string_view text) {
  return {.content = std::string(text), .calls = {}};
}

// {"tool_calls": [{"name", "arguments"}, ...]}, {"tool_call": {...}} or {"response": "text"}.
ParsedToolOutput parse_generic(std::string_view text) {
  const json answer = parse_bounded_json(trim(text));
  if (!answer.is_object()) return plain(text);
  if (const auto list = answer.find("tool_calls"); list != answer.end()) {
    if (std::optional<Calls> calls = calls_from_array(*list))
      return {.content = {}, .calls = *calls};
  } else if (const auto one = answer.find("tool_call"); one != answer.end()) {
    if (std::optional<ParsedToolCall> call = call_from_object(*one)) {
      return {.content = {}, .calls = {std::move(*call)}};
    }
  } else if (const auto response = answer.find("response"); response != answer.end()) {
    if (response->is_string()) return plain(response->get<std::string>());
  }
  return plain(text);
}

// The whole answer is {"name": N, "parameters": {...}}, maybe after <|python_tag|>.
ParsedToolOutput parse_llama3(std::string_view text) {
  std::string_view body = trim(text);
  constexpr std::string_view kPythonTag = "<|python_tag|>";
  if (body.substr(0, kPythonTag.size()) == kPythonTag) body = trim(body.substr(kPythonTag.size()));
  if (std::optional<ParsedToolCall> call = call_from_object(parse_bounded_json(body))) {
    return {.content = {}, .calls = {std::move(*call)}};
  }
  return plain(text);
}

}  // namespace

ParsedToolOutput parse_tool_calls(ToolCallFormat format, std::string_view text,
                                  const std::vector<Tool>* tools) {
  if (format == ToolCallFormat::kGeneric) return parse_generic(text);
  if (format == ToolCallFormat::kLlama3Json) return parse_llama3(text);
  const size_t open = text.find(tool_call_opening(format));
  if (open == std::string_view::npos) return plain(text);
  Cursor cursor(text.substr(open));
  std::optional<Calls> calls = marked_calls(format, cursor, tools);
  if (!calls || calls->empty()) return plain(text);
  return {.content = std::string(trim(text.substr(0, open))), .calls = std::move(*calls)};
}

}  // namespace minke
