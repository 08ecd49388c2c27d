// ChatTemplate: a model's Jinja2 chat template (GGUF key tokenizer.chat_template), rendered
// byte-for-byte as Hugging Face transformers' apply_chat_template renders it with jinja2
// (trim_blocks, lstrip_blocks, loopcontrols, raise_exception, strftime_now, its tojson).
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/evaluator.h"

namespace minke {

class GgufFile;

struct ChatRenderOptions {
  bool add_generation_prompt = true;
  std::string bos_token;
  std::string eos_token;
  // OpenAI-style tool definitions; unset renders `tools` as None, as transformers does.
  std::optional<nlohmann::ordered_json> tools;
  // More template variables (e.g. {"enable_thinking": false}); an object.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  // Local time that strftime_now() formats; unset = now.
  std::optional<std::tm> now;
  chat::RenderLimits limits;
};

class ChatTemplate {
 public:
  // Parses the template; throws minke::Error("chat template L:C: ...") on a syntax error or an
  // unsupported construct (unknown filter or test, extends/include/import).
  static ChatTemplate parse(std::string source);

  // Renders an OpenAI-style messages array. Use ordered_json so that object keys keep the
  // order the client sent (json.dumps in the template output preserves it); nlohmann::json
  // converts but its objects are sorted by key. Throws minke::Error("chat template L:C: ...")
  // when the template raises (raise_exception, undefined values, type errors, limits).
  std::string render(const nlohmann::ordered_json& messages, const ChatRenderOptions& opts) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::shared_ptr<const chat::NodeList> root_;
};

// The chat template of a model and the text of its bos/eos tokens.
struct GgufChatTemplate {
  std::string source;  // empty when the file has no tokenizer.chat_template
  std::string bos_token;
  std::string eos_token;
};
// Reads tokenizer.chat_template and tokenizer.ggml.{bos,eos}_token_id -> tokenizer.ggml.tokens.
GgufChatTemplate read_gguf_chat_template(const GgufFile& file);

}  // namespace minke
