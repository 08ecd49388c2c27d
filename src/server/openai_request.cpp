// OpenAI request parsing: see openai_request.h. Ranges follow OpenAI's API reference
// (temperature [0, 2], penalties [-2, 2], top_p (0, 1]); top_k and min_p are the common
// extensions llama.cpp's server takes too. Unset fields keep Minke's sampling defaults.
#include "server/openai_request.h"

#include <algorithm>
#include <limits>

#include "chat/bounded_json.h"

namespace minke {
namespace {

// Ordered, so that a JSON Schema's properties keep the order the client gave them.
using json = nlohmann::ordered_json;

// The most stop strings, and the longest one (OpenAI allows 4; llama.cpp's server any).
constexpr size_t kMaxStops = 16;
constexpr size_t kMaxStopBytes = 256;

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

ApiError wrong_type(const std::string& param, const json& v, const std::string& want) {
  return ApiError::invalid("'" + param + "' must be " + want + ", not " + type_name(v), param);
}

// The field if present and not null.
const json* field(const json& body, const char* name) {
  const auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

double number_in(const json& body, const char* name, double lo, double hi, double fallback) {
  const json* v = field(body, name);
  if (v == nullptr) return fallback;
  if (!v->is_number()) throw wrong_type(name, *v, "a number");
  const double x = v->get<double>();
  if (!(x >= lo && x <= hi)) {
    throw ApiError::invalid("'" + std::string(name) + "' must be between " + json(lo).dump() +
                                " and " + json(hi).dump() + ", got " + v->dump(),
                            name);
  }
  return x;
}

int64_t integer_in(const json& body, const char* name, int64_t lo, int64_t hi, int64_t fallback) {
  const json* v = field(body, name);
  if (v == nullptr) return fallback;
  if (!v->is_number_integer()) throw wrong_type(name, *v, "an integer");
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(hi)) {
    throw ApiError::invalid("'" + std::string(name) + "' must be at most " + std::to_string(hi),
                            name);
  }
  const int64_t x = v->get<int64_t>();
  if (x < lo || x > hi) {
    throw ApiError::invalid("'" + std::string(name) + "' must be between " + std::to_string(lo) +
                                " and " + std::to_string(hi) + ", got " + v->dump(),
                            name);
  }
  return x;
}

// The field's text, or "" where it is absent or not a string (the caller then refuses the object
// by its shape, naming what it expected).
std::string string_or_empty(const json& object, const char* name) {
  const json* v = field(object, name);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

bool boolean(const json& body, const char* name, bool fallback = false) {
  const json* v = field(body, name);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) throw wrong_type(name, *v, "a boolean");
  return v->get<bool>();
}

std::vector<std::string> stops(const json& body) {
  const json* v = field(body, "stop");
  if (v == nullptr) return {};
  std::vector<std::string> out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
  } else if (v->is_array()) {
    if (v->size() > kMaxStops) {
      throw ApiError::invalid("'stop' may hold at most " + std::to_string(kMaxStops) + " strings",
                              "stop");
    }
    for (const json& s : *v) {
      if (!s.is_string()) throw wrong_type("stop", s, "a string or an array of strings");
      out.push_back(s.get<std::string>());
    }
  } else {
    throw wrong_type("stop", *v, "a string or an array of strings");
  }
  for (const std::string& s : out) {
    if (s.empty() || s.size() > kMaxStopBytes) {
      throw ApiError::invalid(
          "each 'stop' string must be 1 to " + std::to_string(kMaxStopBytes) + " bytes long",
          "stop");
    }
  }
  return out;
}

// Fields Minke does not serve: a clear 400, never a silent ignore.
void refuse_unsupported(const json& body) {
  static const char* const kRefused[][2] = {
      {"functions", "'functions' is OpenAI's deprecated form of 'tools': send 'tools'"},
      {"function_call",
       "'function_call' is OpenAI's deprecated form of 'tool_choice': send "
       "'tool_choice'"},
      {"logit_bias", "'logit_bias' is not supported yet"},
  };
  for (const auto& [name, why] : kRefused) {
    if (field(body, name) != nullptr) throw ApiError::invalid(why, name, "unsupported_parameter");
  }
}

// OpenAI's tools: [{"type": "function", "function": {"name", "description", "parameters",
// "strict"}}]. The parameters schema is checked when the grammar is built (a 400 naming the
// tool and the keyword).
std::vector<Tool> tools(const json& body) {
  std::vector<Tool> out;
  const json* list = field(body, "tools");
  if (list == nullptr) return out;
  if (!list->is_array()) throw wrong_type("tools", *list, "an array");
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string at = "tools[" + std::to_string(i) + "]";
    const json& t = (*list)[i];
    if (!t.is_object() || string_or_empty(t, "type") != "function") {
      throw ApiError::invalid("'" + at + "' must be {\"type\": \"function\", \"function\": {...}}",
                              at);
    }
    const json* f = field(t, "function");
    if (f == nullptr || !f->is_object())
      throw ApiError::invalid("'" + at + ".function' is required", at + ".function");
    const json* name = field(*f, "name");
    if (name == nullptr || !name->is_string()) {
      throw ApiError::invalid("'" + at + ".function.name' must be a string", at + ".function.name");
    }
    Tool tool{.name = name->get<std::string>()};
    if (const json* d = field(*f, "description")) {
      if (!d->is_string()) throw wrong_type(at + ".function.description", *d, "a string");
      tool.description = d->get<std::string>();
    }
    if (const json* p = field(*f, "parameters")) {
      if (!p->is_object()) throw wrong_type(at + ".function.parameters", *p, "an object");
      tool.parameters = p->dump();
    }
    out.push_back(std::move(tool));
  }
  return out;
}

// "none" | "auto" | "required" | {"type": "function", "function": {"name"}}.
ToolChoice tool_choice(const json& body, bool has_tools) {
  const json* c = field(body, "tool_choice");
  if (c == nullptr) return {};
  ToolChoice choice;
  if (c->is_string()) {
    const std::string mode = c->get<std::string>();
    if (mode == "none") {
      choice.mode = ToolChoice::Mode::kNone;
    } else if (mode == "required") {
      choice.mode = ToolChoice::Mode::kRequired;
    } else if (mode != "auto") {
      throw ApiError::invalid(
          "'tool_choice' must be \"none\", \"auto\", \"required\" or "
          "{\"type\": \"function\", \"function\": {\"name\": ...}}",
          "tool_choice");
    }
  } else if (c->is_object() && string_or_empty(*c, "type") == "function" &&
             c->contains("function") && (*c)["function"].is_object() &&
             (*c)["function"].contains("name") && (*c)["function"]["name"].is_string()) {
    choice = {ToolChoice::Mode::kFunction, (*c)["function"]["name"].get<std::string>()};
  } else {
    throw ApiError::invalid(
        "'tool_choice' must be \"none\", \"auto\", \"required\" or "
        "{\"type\": \"function\", \"function\": {\"name\": ...}}",
        "tool_choice");
  }
  if (!has_tools && choice.mode != ToolChoice::Mode::kNone &&
      choice.mode != ToolChoice::Mode::kAuto) {
    throw ApiError::invalid("'tool_choice' needs 'tools'", "tool_choice");
  }
  return choice;
}

// An assistant message's tool_calls: [{"id", "type": "function", "function": {"name",
// "arguments"}}] (arguments a JSON string, as OpenAI sends them; an object is accepted too).
std::vector<ToolCall> message_tool_calls(const json& m, const std::string& at) {
  std::vector<ToolCall> out;
  const json* list = field(m, "tool_calls");
  if (list == nullptr) return out;
  if (!list->is_array()) throw wrong_type(at + ".tool_calls", *list, "an array");
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string here = at + ".tool_calls[" + std::to_string(i) + "]";
    const json& c = (*list)[i];
    const json* f = c.is_object() ? field(c, "function") : nullptr;
    const json* name = f != nullptr && f->is_object() ? field(*f, "name") : nullptr;
    if (name == nullptr || !name->is_string()) {
      throw ApiError::invalid("'" + here + ".function.name' must be a string",
                              here + ".function.name");
    }
    ToolCall call{.name = name->get<std::string>()};
    if (const json* id = field(c, "id")) {
      if (!id->is_string()) throw wrong_type(here + ".id", *id, "a string");
      call.id = id->get<std::string>();
    }
    const json* args = field(*f, "arguments");
    if (args == nullptr) {
      call.arguments = "{}";
    } else if (args->is_string()) {
      call.arguments = args->get<std::string>();
    } else if (args->is_object()) {
      call.arguments = args->dump();
    } else {
      throw wrong_type(here + ".function.arguments", *args, "a JSON string");
    }
    out.push_back(std::move(call));
  }
  return out;
}

// OpenAI's response_format: {"type": "text" | "json_object" | "json_schema", "json_schema":
// {"name", "schema", "strict", "description"}}. llama.cpp's server also takes a "schema" beside
// "json_object" and a GBNF "grammar" field; Minke does too, so its clients work unchanged.
OutputFormat output_format(const json& body) {
  const json* grammar = field(body, "grammar");
  const json* rf = field(body, "response_format");
  if (grammar != nullptr) {
    if (!grammar->is_string()) throw wrong_type("grammar", *grammar, "a string (GBNF)");
    if (rf != nullptr) {
      throw ApiError::invalid("give either 'grammar' or 'response_format', not both", "grammar");
    }
    return {OutputFormat::Kind::kGrammar, grammar->get<std::string>()};
  }
  if (rf == nullptr) return {};
  if (!rf->is_object()) throw wrong_type("response_format", *rf, "an object");
  const json* type = field(*rf, "type");
  if (type == nullptr || !type->is_string()) {
    throw ApiError::invalid(
        "'response_format.type' must be \"text\", \"json_object\" or "
        "\"json_schema\"",
        "response_format.type");
  }
  const std::string t = type->get<std::string>();
  if (t == "text") return {};
  if (t == "json_object") {
    const json* schema = field(*rf, "schema");
    if (schema == nullptr) return {OutputFormat::Kind::kJsonObject, {}};
    return {OutputFormat::Kind::kJsonSchema, schema->dump()};
  }
  if (t != "json_schema") {
    throw ApiError::invalid(
        "'response_format.type' must be \"text\", \"json_object\" or "
        "\"json_schema\", not \"" +
            t + "\"",
        "response_format.type");
  }
  const json* js = field(*rf, "json_schema");
  if (js == nullptr || !js->is_object()) {
    throw ApiError::invalid(
        "'response_format.json_schema' must be an object with 'name' and "
        "'schema'",
        "response_format.json_schema");
  }
  const json* name = field(*js, "name");
  if (name == nullptr || !name->is_string()) {
    throw ApiError::invalid("'response_format.json_schema.name' must be a string",
                            "response_format.json_schema.name");
  }
  if (const json* strict = field(*js, "strict"); strict != nullptr && !strict->is_boolean()) {
    throw wrong_type("response_format.json_schema.strict", *strict, "a boolean");
  }
  // Without a schema any JSON value will do (OpenAI treats the schema as optional).
  const json* schema = field(*js, "schema");
  if (schema != nullptr && !schema->is_object() && !schema->is_boolean()) {
    throw wrong_type("response_format.json_schema.schema", *schema, "an object");
  }
  return {OutputFormat::Kind::kJsonSchema, schema != nullptr ? schema->dump() : "{}"};
}

void parse_common(const json& body, GenerationRequest& r, const char* max_tokens_name) {
  if (!body.is_object()) throw ApiError::invalid("the request body must be a JSON object");
  refuse_unsupported(body);
  const json* model = field(body, "model");
  if (model == nullptr) throw ApiError::invalid("'model' is required", "model");
  if (!model->is_string()) throw wrong_type("model", *model, "a string");
  r.model = model->get<std::string>();

  SamplingOptions& s = r.options.sampling;
  s.temperature = static_cast<float>(number_in(body, "temperature", 0, 2, s.temperature));
  s.top_p = static_cast<float>(number_in(body, "top_p", 0, 1, s.top_p));
  if (s.top_p == 0) throw ApiError::invalid("'top_p' must be above 0", "top_p");
  s.top_k = static_cast<int32_t>(integer_in(body, "top_k", 0, 1 << 30, s.top_k));
  s.min_p = static_cast<float>(number_in(body, "min_p", 0, 1, s.min_p));
  s.presence_penalty =
      static_cast<float>(number_in(body, "presence_penalty", -2, 2, s.presence_penalty));
  s.frequency_penalty =
      static_cast<float>(number_in(body, "frequency_penalty", -2, 2, s.frequency_penalty));
  s.repeat_penalty =
      static_cast<float>(number_in(body, "repeat_penalty", 0.01, 10, s.repeat_penalty));
  const int64_t seed = integer_in(body, "seed", std::numeric_limits<int64_t>::min(),
                                  std::numeric_limits<int64_t>::max(), -1);
  s.seed = seed < 0 ? kAnySeed : static_cast<uint64_t>(seed);

  const int64_t max_tokens =
      integer_in(body, max_tokens_name, 1, 1 << 30, integer_in(body, "max_tokens", 1, 1 << 30, -1));
  r.options.max_tokens = static_cast<int32_t>(max_tokens);
  r.options.stop = stops(body);
  r.n = static_cast<int32_t>(integer_in(body, "n", 1, kMaxChoices, 1));
  r.options.format = output_format(body);
  r.stream = boolean(body, "stream");
  if (const json* so = field(body, "stream_options")) {
    if (!so->is_object()) throw wrong_type("stream_options", *so, "an object");
    r.include_usage = boolean(*so, "include_usage");
  }
}

// String content, or an array of {"type": "text", "text": ...} parts joined.
std::string message_content(const json& m, size_t i, bool allow_null) {
  const std::string param = "messages[" + std::to_string(i) + "].content";
  const json* c = field(m, "content");
  if (c == nullptr) {
    if (allow_null) return {};
    throw ApiError::invalid("'" + param + "' is required", param);
  }
  if (c->is_string()) return c->get<std::string>();
  if (!c->is_array()) throw wrong_type(param, *c, "a string or an array of content parts");
  std::string text;
  for (const json& part : *c) {
    if (!part.is_object() || string_or_empty(part, "type") != "text" || !part.contains("text") ||
        !part["text"].is_string()) {
      throw ApiError::invalid("'" + param + "' parts must be {\"type\": \"text\", \"text\": ...}" +
                                  " (this model reads text only)",
                              param);
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

}  // namespace

nlohmann::ordered_json parse_request_body(std::string_view body) {
  if (!nests_at_most_max(body)) {
    throw ApiError::invalid("the body nests arrays and objects deeper than " +
                            std::to_string(kMaxJsonNesting) + " levels");
  }
  try {
    return json::parse(body);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 9e999
    throw ApiError::invalid(std::string("the body is not valid JSON: ") + e.what());
  }
}

nlohmann::json error_body(const ApiError& e) {
  using plain = nlohmann::json;
  return {{"error",
           {{"message", e.what()},
            {"type", e.type},
            {"param", e.param.empty() ? plain() : plain(e.param)},
            {"code", e.code.empty() ? plain() : plain(e.code)}}}};
}

ChatRequest parse_chat_request(const json& body) {
  ChatRequest r;
  parse_common(body, r, "max_completion_tokens");
  // logprobs: true, top_logprobs: 0..20 alternatives (OpenAI's chat shape).
  const int64_t top = integer_in(body, "top_logprobs", 0, kMaxTopLogprobs, -1);
  if (boolean(body, "logprobs")) {
    r.options.logprobs = static_cast<int32_t>(std::max<int64_t>(top, 0));
  } else if (top >= 0) {
    throw ApiError::invalid("'top_logprobs' needs 'logprobs': true", "top_logprobs");
  }
  const json* messages = field(body, "messages");
  if (messages == nullptr) throw ApiError::invalid("'messages' is required", "messages");
  if (!messages->is_array()) throw wrong_type("messages", *messages, "an array");
  if (messages->empty()) throw ApiError::invalid("'messages' must not be empty", "messages");
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw wrong_type(at, m, "an object");
    const json* role = field(m, "role");
    if (role == nullptr || !role->is_string()) {
      throw ApiError::invalid("'" + at + ".role' must be a string", at + ".role");
    }
    std::string name = role->get<std::string>();
    if (name == "developer") name = "system";  // OpenAI's newer name for the system role
    if (name != "system" && name != "user" && name != "assistant" && name != "tool") {
      throw ApiError::invalid("'" + at + ".role' must be system, developer, user, assistant or " +
                                  "tool, not '" + name + "'",
                              at + ".role");
    }
    ChatMessage message{name, message_content(m, i, name == "assistant")};
    if (name == "assistant") {
      message.tool_calls = message_tool_calls(m, at);
      // Earlier reasoning as DeepSeek's API ("reasoning_content") or others ("reasoning")
      // return it; the template decides whether to show it again.
      for (const char* key : {"reasoning_content", "reasoning"}) {
        const json* r = field(m, key);
        if (r == nullptr || r->is_null()) continue;
        if (!r->is_string()) throw wrong_type(at + "." + key, *r, "a string");
        message.reasoning = r->get<std::string>();
        break;
      }
    }
    if (name == "tool") {
      const json* id = field(m, "tool_call_id");
      if (id == nullptr || !id->is_string()) {
        throw ApiError::invalid("'" + at + ".tool_call_id' must be a string", at + ".tool_call_id");
      }
      message.tool_call_id = id->get<std::string>();
    }
    if (const json* n = field(m, "name"); n != nullptr && n->is_string() && name == "tool") {
      message.name = n->get<std::string>();
    }
    r.messages.push_back(std::move(message));
  }
  r.options.tools = tools(body);
  r.options.tool_choice = tool_choice(body, !r.options.tools.empty());
  r.options.parallel_tool_calls = boolean(body, "parallel_tool_calls", true);
  return r;
}

CompletionRequest parse_completion_request(const json& body) {
  CompletionRequest r;
  parse_common(body, r, "max_tokens");
  for (const char* name : {"tools", "tool_choice"}) {
    if (field(body, name) != nullptr) {
      throw ApiError::invalid(std::string("'") + name + "' is for /v1/chat/completions", name);
    }
  }
  // logprobs: 0..20 alternatives (the legacy completions shape; OpenAI allows up to 5).
  r.options.logprobs = static_cast<int32_t>(integer_in(body, "logprobs", 0, kMaxTopLogprobs, -1));
  const json* prompt = field(body, "prompt");
  if (prompt == nullptr) throw ApiError::invalid("'prompt' is required", "prompt");
  if (prompt->is_string()) {
    r.prompt = prompt->get<std::string>();
    if (r.prompt.empty()) throw ApiError::invalid("'prompt' must not be empty", "prompt");
  } else if (prompt->is_array() && !prompt->empty() && (*prompt)[0].is_number_integer()) {
    for (const json& t : *prompt) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0 ||
          t.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
        throw ApiError::invalid("'prompt' token ids must be integers >= 0", "prompt");
      }
      r.prompt_tokens.push_back(t.get<int32_t>());
    }
  } else if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) {
    r.prompt = (*prompt)[0].get<std::string>();
  } else {
    throw ApiError::invalid(
        "'prompt' must be a string or an array of token ids (one prompt per request)", "prompt");
  }
  if (boolean(body, "echo")) throw ApiError::invalid("'echo' is not supported yet", "echo");
  return r;
}

}  // namespace minke
