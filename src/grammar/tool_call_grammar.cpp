// tool_call_gbnf: one rule per (tool, call) shape in the format, joined as the format joins calls,
// behind the format's opening text. The literals here are exactly what parse_tool_calls() reads,
// except Harmony's: the grammar holds the raw messages the model writes, which HarmonySplitter
// (chat/harmony.h) rewrites into the form the parser reads.
#include "grammar/tool_call_grammar.h"

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "grammar/gbnf_writer.h"
#include "grammar/json_schema.h"
#include "minke/error.h"

namespace minke {

namespace {

using Format = ToolCallFormat;

constexpr const char* kRoot = "tool-answer";

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The tools a call may name: all of them, or the one tool_choice names.
std::vector<const Tool*> callable(const ToolGrammarRequest& r) {
  if (r.tools == nullptr || r.tools->empty()) throw Error("tool calling needs at least one tool");
  std::set<std::string> names;
  for (const Tool& t : *r.tools) {
    if (!valid_name(t.name)) {
      throw Error("tool name '" + t.name + "' must be 1 to 64 letters, digits, '_' or '-'");
    }
    if (!names.insert(t.name).second) throw Error("tool '" + t.name + "' is defined twice");
  }
  std::vector<const Tool*> out;
  for (const Tool& t : *r.tools) {
    if (r.choice.mode != ToolChoice::Mode::kFunction || t.name == r.choice.function)
      out.push_back(&t);
  }
  if (out.empty())
    throw Error("tool_choice names '" + r.choice.function + "', which is not a tool");
  return out;
}

nlohmann::ordered_json parameters_schema(const Tool& tool) {
  nlohmann::ordered_json schema;
  try {
    schema = nlohmann::ordered_json::parse(tool.parameters);
  } catch (const nlohmann::ordered_json::exception&) {
    throw Error("tool '" + tool.name + "': parameters is not valid JSON");
  }
  if (schema.is_object() && schema.empty()) schema = {{"type", "object"}};
  return schema;
}

// How a tagged format writes one parameter: before its value (the key in it), and after.
struct ParameterTags {
  std::string before, after;
};
ParameterTags parameter_tags(Format format, const std::string& key) {
  if (format == Format::kGlm)
    return {"<arg_key>" + key + "</arg_key>\n<arg_value>", "</arg_value>\n"};
  return {"<parameter=" + key + ">\n", "\n</parameter>\n"};
}

// A text parameter's value: one of its enum's (or its const's) strings as they are, else any
// text without the closing tag `end` (its other string constraints are not enforced).
std::string tagged_text_value(GbnfWriter& out, const nlohmann::ordered_json& prop,
                              const std::string& id, const std::string& end) {
  std::vector<std::string> options;
  if (const auto c = prop.find("const"); c != prop.end() && c->is_string()) {
    options.push_back(c->get<std::string>());
  } else if (const auto e = prop.find("enum"); e != prop.end() && e->is_array()) {
    for (const auto& v : *e) {
      if (v.is_string()) options.push_back(v.get<std::string>());
    }
  }
  if (options.empty()) return add_text_without(out, "text-" + id, end);
  std::string body;
  for (const std::string& o : options) body += (body.empty() ? "" : " | ") + gbnf_literal(o);
  return out.add_rule("text-" + id, body);
}

// A tagged format's arguments: one block per property, in the schema's order (the required
// ones always, the others optionally); a string's value is text without the closing tag, any
// other value the JSON its schema allows. Properties the schema does not list cannot be written
// (as additionalProperties: false).
std::string tagged_arguments_rule(GbnfWriter& out, Format format, const Tool& tool) {
  const nlohmann::ordered_json schema = parameters_schema(tool);
  const auto props = schema.find("properties");
  std::set<std::string> required;
  if (const auto r = schema.find("required"); r != schema.end() && r->is_array()) {
    for (const auto& k : *r) {
      if (k.is_string()) required.insert(k.get<std::string>());
    }
  }
  std::string body;
  if (props == schema.end() || !props->is_object()) {
    return out.add_rule("xml-args-" + tool.name, "\"\"");
  }
  int index = 0;
  for (const auto& [key, prop] : props->items()) {
    // Rule names of their own per parameter: tool and index.
    const std::string id = tool.name + "-" + std::to_string(index++);
    const ParameterTags tags = parameter_tags(format, key);
    // The closing tag without the line break after it: what a text value may not contain.
    const std::string end = tags.after.substr(0, tags.after.size() - 1);
    std::string value;
    try {
      value = xml_text_parameter(prop) ? tagged_text_value(out, prop, id, end)
                                       : embed_gbnf(out, json_schema_to_gbnf(prop), "arg-" + id);
    } catch (const Error& e) {
      throw Error("tool '" + tool.name + "', parameter '" + key + "': " + e.what());
    }
    const std::string block =
        gbnf_literal(tags.before) + " " + value + " " + gbnf_literal(tags.after);
    body += (body.empty() ? "" : " ") + (required.count(key) ? block : "( " + block + " )?");
  }
  return out.add_rule("xml-args-" + tool.name, body.empty() ? "\"\"" : body);
}

// Gemma 4's arguments: an object of its JSON dialect (bare keys, strings between <|"|> marks).
// Only the syntax is constrained, not the tool's schema.
std::string gemma4_arguments_rule(GbnfWriter& out) {
  const std::string quote = gbnf_literal("<|\"|>");
  const std::string value = out.reserve("g4-value");
  const std::string text = add_text_without(out, "g4-text", "<|\"|>");
  const std::string string = out.add_rule("g4-string", quote + " " + text + " " + quote);
  const std::string number =
      out.add_rule("g4-number", "\"-\"? [0-9]+ ( \".\" [0-9]+ )? ( [eE] [-+]? [0-9]+ )?");
  const std::string key = out.add_rule("g4-key", "[a-zA-Z_] [a-zA-Z0-9_]*");
  const std::string member = out.add_rule("g4-member", key + " \":\" " + value);
  const std::string object =
      out.add_rule("g4-object", "\"{\" ( " + member + " ( \",\" " + member + " )* )? \"}\"");
  const std::string array =
      out.add_rule("g4-array", "\"[\" ( " + value + " ( \",\" " + value + " )* )? \"]\"");
  out.define(value, object + " | " + array + " | " + string + " | " + number +
                        " | \"true\" | \"false\" | \"null\"");
  return object;
}

std::string arguments_rule(GbnfWriter& out, const Tool& tool) {
  nlohmann::ordered_json schema = parameters_schema(tool);
  try {
    return embed_gbnf(out, json_schema_to_gbnf(schema), "args-" + tool.name);
  } catch (const Error& e) {
    throw Error("tool '" + tool.name + "': " + e.what());
  }
}

// One call to `tool` as the format writes it; `index` numbers the call (Kimi-K2).
std::string call_body(Format format, const Tool& tool, const std::string& args, int index) {
  const std::string& n = tool.name;  // letters, digits, '_', '-': nothing to escape
  switch (format) {
    case Format::kHermes:
      return gbnf_literal("<tool_call>\n{\"name\": \"" + n + "\", \"arguments\": ") + " " + args +
             " " + gbnf_literal("}\n</tool_call>");
    case Format::kLlama3Json:
      return gbnf_literal("{\"name\": \"" + n + "\", \"parameters\": ") + " " + args + " " +
             gbnf_literal("}");
    case Format::kDeepSeekV3:
      return gbnf_literal("<｜tool▁call▁begin｜>function<｜tool▁sep｜>" + n + "\n```json\n") + " " +
             args + " " + gbnf_literal("\n```<｜tool▁call▁end｜>");
    case Format::kDeepSeekV31:
      return gbnf_literal("<｜tool▁call▁begin｜>" + n + "<｜tool▁sep｜>") + " " + args + " " +
             gbnf_literal("<｜tool▁call▁end｜>");
    case Format::kMistral:
      return gbnf_literal("{\"name\": \"" + n + "\", \"arguments\": ") + " " + args + " " +
             gbnf_literal(", \"id\": \"") + " [a-zA-Z0-9]{9} " + gbnf_literal("\"}");
    case Format::kKimiK2:
      return gbnf_literal("<|tool_call_begin|>functions." + n + ":" + std::to_string(index) +
                          "<|tool_call_argument_begin|>") +
             " " + args + " " + gbnf_literal("<|tool_call_end|>");
    case Format::kGranite:
    case Format::kGeneric:
      return gbnf_literal("{\"name\": \"" + n + "\", \"arguments\": ") + " " + args + " " +
             gbnf_literal("}");
    case Format::kHarmony:  // the raw message; the splitter rewrites its header
      return gbnf_literal("<|channel|>commentary to=functions." + n +
                          " <|constrain|>json<|message|>") +
             " " + args;
    case Format::kQwenXml:
      return gbnf_literal("<tool_call>\n<function=" + n + ">\n") + " " + args + " " +
             gbnf_literal("</function>\n</tool_call>");
    case Format::kGlm:
      return gbnf_literal("<tool_call>" + n + "\n") + " " + args + " " +
             gbnf_literal("</tool_call>");
    case Format::kGemma4:
      return gbnf_literal("<|tool_call>call:" + n) + " " + args + " " +
             gbnf_literal("<tool_call|>");
  }
  return {};
}

// A rule for one call to any callable tool.
std::string any_call(GbnfWriter& out, Format format, const std::vector<const Tool*>& tools,
                     const std::vector<std::string>& args, int index) {
  std::string body;
  for (size_t i = 0; i < tools.size(); ++i) {
    if (i > 0) body += " | ";
    body += call_body(format, *tools[i], args[i], index);
  }
  return out.add_rule("call", body);
}

// One call, or (parallel) one or more joined by `separator`.
std::string call_list(GbnfWriter& out, const std::string& call, const std::string& separator,
                      bool parallel) {
  if (!parallel) return call;
  return out.add_rule("calls", call + " ( " + gbnf_literal(separator) + " " + call + " )*");
}

// Kimi-K2 numbers its calls 0, 1, 2...: (call-0 (call-1 (...)?)?).
std::string numbered_calls(GbnfWriter& out, const std::vector<const Tool*>& tools,
                           const std::vector<std::string>& args, bool parallel) {
  const int n = parallel ? kMaxNumberedToolCalls : 1;
  std::string tail;
  for (int i = n - 1; i >= 0; --i) {
    const std::string call = any_call(out, Format::kKimiK2, tools, args, i);
    tail = out.add_rule("calls-from-" + std::to_string(i),
                        tail.empty() ? call : call + " " + tail + "?");
  }
  return tail;
}

// A rule for `body` between two literal texts.
std::string enclosed(GbnfWriter& out, const std::string& open, const std::string& body,
                     const std::string& close) {
  return out.add_rule("calls", gbnf_literal(open) + " " + body + " " + gbnf_literal(close));
}

// The calls part of an answer, with the format's opening and closing text.
std::string calls_rule(GbnfWriter& out, Format format, const std::vector<const Tool*>& tools,
                       const std::vector<std::string>& args, bool parallel) {
  const std::string call = any_call(out, format, tools, args, 0);
  switch (format) {
    case Format::kHermes:
    case Format::kQwenXml:
    case Format::kGlm:
      return call_list(out, call, "\n", parallel);
    case Format::kLlama3Json:
    case Format::kHarmony:
      return call;  // one call per answer (Harmony: <|call|> ends the generation)
    case Format::kDeepSeekV3:
      return enclosed(out, "<｜tool▁calls▁begin｜>", call_list(out, call, "\n", parallel),
                      "<｜tool▁calls▁end｜>");
    case Format::kDeepSeekV31:
      return enclosed(out, "<｜tool▁calls▁begin｜>", call_list(out, call, "", parallel),
                      "<｜tool▁calls▁end｜>");
    case Format::kGemma4:
      return call_list(out, call, "", parallel);
    case Format::kMistral:
      return enclosed(out, "[TOOL_CALLS][", call_list(out, call, ", ", parallel), "]");
    case Format::kKimiK2:
      return enclosed(out, "<|tool_calls_section_begin|>",
                      numbered_calls(out, tools, args, parallel), "<|tool_calls_section_end|>");
    case Format::kGranite:
      return enclosed(out, "<|tool_call|>[", call_list(out, call, ", ", parallel), "]");
    case Format::kGeneric:
      return enclosed(out, "{\"tool_calls\": [", call_list(out, call, ", ", parallel), "]}");
  }
  return call;
}

// Harmony's answer in the final channel: any text.
std::string harmony_final(GbnfWriter& out) {
  return out.add_rule("final", gbnf_literal("<|channel|>final<|message|>") + " .*");
}

// tool_choice auto: what the model may write instead of (or before) a call.
std::string auto_answer(GbnfWriter& out, Format format, const std::string& calls) {
  if (format == Format::kGeneric) {
    const std::string text =
        embed_gbnf(out, json_schema_to_gbnf(nlohmann::ordered_json{{"type", "string"}}), "text");
    return out.add_rule("answer", calls + " | " + gbnf_literal("{\"response\": ") + " " + text +
                                      " " + gbnf_literal("}"));
  }
  if (format == Format::kLlama3Json) {
    // A call is the whole answer, so a text answer must not start like one.
    return out.add_rule("answer", calls + " | \"\" | [^{] .*");
  }
  if (format == Format::kHarmony) return out.add_rule("answer", calls + " | " + harmony_final(out));
  const std::string free_text =
      add_text_without(out, "free-text", std::string(tool_call_opening(format)));
  return out.add_rule("answer", free_text + " " + calls + "?");
}

}  // namespace

FormatGrammar tool_call_gbnf(const ToolGrammarRequest& r) {
  if (r.choice.mode == ToolChoice::Mode::kNone) throw Error("tool_choice none needs no grammar");
  const std::vector<const Tool*> tools = callable(r);
  GbnfWriter out;
  const std::string root = out.reserve(kRoot);
  std::vector<std::string> args;
  const std::string gemma4_args =
      r.format == Format::kGemma4 ? gemma4_arguments_rule(out) : std::string();
  for (const Tool* t : tools) {
    if (r.format == Format::kGemma4) {
      args.push_back(gemma4_args);
      continue;
    }
    args.push_back(tagged_arguments(r.format) ? tagged_arguments_rule(out, r.format, *t)
                                              : arguments_rule(out, *t));
  }
  const std::string calls = calls_rule(out, r.format, tools, args, r.parallel);
  const bool free_choice = r.choice.mode == ToolChoice::Mode::kAuto;
  out.define(root, free_choice ? auto_answer(out, r.format, calls) : calls);
  return with_reasoning_prefix({out.text(), root}, r.reasoning);
}

FormatGrammar no_tool_call_gbnf(ToolCallFormat format, const ReasoningPrefix& reasoning) {
  if (format == Format::kHarmony) {
    GbnfWriter out;
    const std::string root = harmony_final(out);
    return with_reasoning_prefix({out.text(), root}, reasoning);
  }
  const std::string opening(tool_call_opening(format));
  if (opening.empty()) throw Error("this tool-call format has no opening marker to keep out");
  GbnfWriter out;
  const std::string root = add_text_without(out, "free-text", opening);
  return with_reasoning_prefix({out.text(), root}, reasoning);
}

}  // namespace minke
