// ChatTemplate facade: parse once, render many (see chat_template.h).
#include "chat/chat_template.h"

#include "chat/parser.h"
#include "gguf/gguf_file.h"
#include "minke/error.h"

namespace minke {

ChatTemplate ChatTemplate::parse(std::string source) {
  ChatTemplate t;
  t.root_ = std::make_shared<const chat::NodeList>(chat::parse_template(source));
  t.source_ = std::move(source);
  return t;
}

std::string ChatTemplate::render(const nlohmann::ordered_json& messages,
                                 const ChatRenderOptions& opts) const {
  if (!opts.extra.is_object()) throw Error("chat template: extra variables must be an object");
  // The variables transformers passes to template.render().
  chat::ValueDict vars = {
      {"messages", chat::Value::from_json(messages)},
      {"tools", opts.tools ? chat::Value::from_json(*opts.tools) : chat::Value::none()},
      {"documents", chat::Value::none()},
      {"add_generation_prompt", chat::Value(opts.add_generation_prompt)},
      {"bos_token", chat::Value(opts.bos_token)},
      {"eos_token", chat::Value(opts.eos_token)},
  };
  chat::Value dict = chat::Value::dict(std::move(vars));
  for (auto it = opts.extra.begin(); it != opts.extra.end(); ++it)
    dict.set(it.key(), chat::Value::from_json(it.value()));
  chat::EvalOptions eval{.limits = opts.limits, .now = opts.now};
  return chat::render_nodes(*root_, dict, eval);
}

GgufChatTemplate read_gguf_chat_template(const GgufFile& file) {
  GgufChatTemplate out;
  out.source = std::string(file.get_string("tokenizer.chat_template", ""));
  const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
  auto token_text = [&](const char* key) -> std::string {
    const GgufValue* id = file.find(key);
    if (!id || !tokens) return "";
    uint64_t i = id->as_u64();
    if (i >= tokens->array_size())
      throw Error(file.path() + ": " + key + " " + std::to_string(i) +
                  " is outside tokenizer.ggml.tokens (" + std::to_string(tokens->array_size()) +
                  " tokens)");
    return std::string(tokens->array_at(i).as_string());
  };
  out.bos_token = token_text("tokenizer.ggml.bos_token_id");
  out.eos_token = token_text("tokenizer.ggml.eos_token_id");
  return out;
}

}  // namespace minke
