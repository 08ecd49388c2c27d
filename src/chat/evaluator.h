// Evaluator: renders a parsed chat template (ast.h) against a set of variables, with jinja2's
// scoping (for-loops and macros open a scope; if does not; namespace() carries state out of
// loops), the loop object, macros and call blocks, break/continue, and limits that keep a
// hostile template from hanging or exhausting memory.
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include "chat/ast.h"
#include "chat/render_budget.h"
#include "chat/value.h"

namespace minke::chat {

struct EvalOptions {
  RenderLimits limits;
  // The local time strftime_now() formats; unset = the current local time.
  std::optional<std::tm> now;
};

// Renders `root` with `variables` (a dict Value: messages, bos_token, ...).
// Throws TemplateError("chat template L:C: ...").
std::string render_nodes(const NodeList& root, const Value& variables, const EvalOptions& options);

}  // namespace minke::chat
