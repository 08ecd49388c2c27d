// Lexer: splits a Jinja2 template into data text and tag tokens, applying whitespace control
// ({%- -%}, {{- -}}, {#- -#}) and the trim_blocks + lstrip_blocks settings that Hugging Face
// transformers renders chat templates with. Mirrors jinja2's lexer (3.1), including its
// newline normalisation and the removal of one trailing newline.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minke::chat {

enum class TokenType {
  kData,        // literal template text
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,  // value holds the unescaped text
  kInteger,
  kFloat,
  kOperator,  // value holds the operator text: + - * / // % ** ~ == != < > ( ) ...
  kEof,
};

struct Token {
  TokenType type;
  std::string value;
  int line = 1;
  int column = 1;
};

struct LexerOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Throws TemplateError("chat template L:C: ...") on an unterminated tag, comment or string.
std::vector<Token> tokenize(std::string_view source, const LexerOptions& options = {});

}  // namespace minke::chat
