// Text services over a model file that need no weights (vocabulary-only files work too): the
// token ids and pieces the file's tokenizer gives (`minke tokenize`), and the prompt its chat
// template renders for a messages array (`minke template`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace minke {

struct TokenizeRequest {
  std::string model;  // GGUF model or vocabulary file
  std::string pre;    // pre-tokenizer replacing the file's (byte-level BPE); empty: the file's
  bool add_special = true;    // BOS/EOS as the model asks
  bool parse_special = true;  // control-token text such as <|im_start|> becomes its id
};

struct TokenPiece {
  int32_t id = 0;
  std::string piece;  // the token's bytes, special tokens rendered
};

// As llama.cpp's tokenize tool does; throws minke::Error for an unreadable file or vocabulary.
std::vector<TokenPiece> tokenize_text(const TokenizeRequest& request, std::string_view text);

struct TemplateRequest {
  std::string model;                // GGUF model or vocabulary file
  std::string template_source;      // Jinja source replacing the model's; empty: the model's
  nlohmann::ordered_json messages;  // OpenAI-style messages array
  nlohmann::ordered_json tools;     // tool definitions, or null
  nlohmann::ordered_json extra;     // extra template variables (an object), or null
  bool add_generation_prompt = true;
};

// The prompt the template renders (the model's BOS/EOS text given to it). Throws minke::Error
// when the model has no template and none is given, or the template fails.
std::string render_template(const TemplateRequest& request);

}  // namespace minke
