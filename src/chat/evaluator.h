// Evaluator: renders a parsed chat template (ast.h) against a set of variables, with jinja2's
// scoping (for-loops and macros open a scope; if does not; namespace() carries state out of
// loops), the loop object, macros and call blocks, break/continue, and limits that keep a
// hostile template from hanging or exhausting memory.
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include "chat/ast.h"
#include "chat/value.h"

namespace minke::chat {

struct RenderLimits {
  size_t max_output_bytes = 16u << 20;      // rendered text (and any string built on the way)
  int64_t max_loop_iterations = 1'000'000;  // all loop iterations together
  int max_call_depth = 64;                  // nested macro calls
};

struct EvalOptions {
  RenderLimits limits;
  // The local time strftime_now() formats; unset = the current local time.
  std::optional<std::tm> now;
};

// Renders `root` with `variables` (a dict Value: messages, bos_token, ...).
// Throws TemplateError("chat template L:C: ...").
std::string render_nodes(const NodeList& root, const Value& variables, const EvalOptions& options);

}  // namespace minke::chat
