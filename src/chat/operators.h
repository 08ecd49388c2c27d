// Jinja2's binary operators on template Values, with Python's semantics: comparisons (==, !=,
// <, >, <=, >=, in, notin) and arithmetic (+ - * / // % **) including string and list
// concatenation and repetition. Errors are jinja2's messages (TemplateError).
#pragma once

#include <cstddef>
#include <string>

#include "chat/value.h"

namespace minke::chat {

bool compare_values(const std::string& op, const Value& l, const Value& r);

// `limit`: the most bytes (or items) a concatenated or repeated result may hold.
Value arithmetic(const std::string& op, const Value& l, const Value& r, size_t limit);

}  // namespace minke::chat
