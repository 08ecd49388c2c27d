// `minke template`: prints the prompt a model's chat template (or one given with
// --chat-template) renders for an OpenAI-style messages array, with the
// generation prompt appended. For debugging templates and prompts.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include "command.h"
#include "engine/model_text.h"
#include "minke/error.h"
#include "minke/terminal_text.h"
#include "read_file.h"

namespace minke::cli {
namespace {

struct TemplateOptions {
  std::string model;
  std::string messages;
  std::string chat_template;
  std::string tools;
  std::vector<std::string> vars;
  bool no_generation_prompt = false;
};

nlohmann::ordered_json read_json_file(const std::string& path) {
  const std::string text = read_text_file(path);
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range (9e999)
    throw Error(path + ": invalid JSON: " + e.what());
  }
}

// Accepts a messages array or an OpenAI request body {"messages": [...], "tools": [...]}.
nlohmann::ordered_json read_messages(const std::string& path, nlohmann::ordered_json* tools) {
  nlohmann::ordered_json doc = read_json_file(path);
  if (doc.is_object() && doc.contains("messages")) {
    if (doc.contains("tools") && tools->is_null()) *tools = doc["tools"];
    doc = doc["messages"];
  }
  if (!doc.is_array()) throw Error(path + ": expected a JSON array of messages");
  for (size_t i = 0; i < doc.size(); ++i) {
    const auto& m = doc[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      throw Error(path + ": message " + std::to_string(i) + " needs a string \"role\"");
    }
  }
  return doc;
}

// --var NAME=VALUE: VALUE is parsed as JSON when it is JSON (true, 3, "x"), else a string.
void add_var(const std::string& spec, nlohmann::ordered_json& extra) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) throw Error("--var " + spec + ": expected NAME=VALUE");
  const std::string value = spec.substr(eq + 1);
  auto parsed = nlohmann::ordered_json::parse(value, nullptr, /*allow_exceptions=*/false);
  extra[spec.substr(0, eq)] = parsed.is_discarded() ? nlohmann::ordered_json(value) : parsed;
}

int run_template(const TemplateOptions& opts) {
  TemplateRequest request{.model = opts.model, .add_generation_prompt = !opts.no_generation_prompt};
  if (!opts.chat_template.empty()) request.template_source = read_text_file(opts.chat_template);
  if (!opts.tools.empty()) request.tools = read_json_file(opts.tools);
  request.messages = read_messages(opts.messages, &request.tools);
  for (const std::string& v : opts.vars) add_var(v, request.extra);
  const std::string prompt = render_template(request);
  // On a terminal the template's text is shown safely; piped, it is the exact prompt.
  const std::string shown =
      isatty(STDOUT_FILENO) ? terminal_safe(prompt, {.keep_newlines = true}) : prompt;
  std::fwrite(shown.data(), 1, shown.size(), stdout);
  return 0;
}

}  // namespace

Command add_template_command(CLI::App& app) {
  auto opts = std::make_shared<TemplateOptions>();
  CLI::App* sub = app.add_subcommand(
      "template", "Print the prompt a chat template renders for a messages array");
  sub->add_option("-m,--model", opts->model, "GGUF model or vocabulary file")
      ->required()
      ->type_name("FILE")
      ->transform(model_path());
  sub->add_option("--messages", opts->messages,
                  "JSON file ('-': stdin): an OpenAI-style messages array or request body")
      ->required()
      ->type_name("FILE");
  sub->add_option("--chat-template", opts->chat_template,
                  "Jinja template file to use instead of the model's")
      ->type_name("FILE");
  sub->add_option("--tools", opts->tools, "JSON file with OpenAI-style tool definitions")
      ->type_name("FILE");
  sub->add_option("--var", opts->vars,
                  "Extra template variable NAME=VALUE, e.g. --var enable_thinking=false")
      ->type_name("NAME=VALUE");
  sub->add_flag("--no-generation-prompt", opts->no_generation_prompt,
                "Do not append the assistant's generation prompt");
  return {sub, [opts] { return run_template(*opts); }};
}

}  // namespace minke::cli
