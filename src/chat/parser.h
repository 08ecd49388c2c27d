// Parser: turns the lexer's tokens into the syntax tree (ast.h), with jinja2's operator
// precedence. Unknown filters and tests and unsupported statements (extends, include, import,
// block) are rejected here, as jinja2 rejects them when it compiles.
#pragma once

#include <string_view>

#include "chat/ast.h"

namespace minke::chat {

struct ParseLimits {
  int max_depth = 200;  // nesting of expressions and blocks
};

// Throws TemplateError("chat template L:C: ...").
NodeList parse_template(std::string_view source, const ParseLimits& limits = {});

}  // namespace minke::chat
