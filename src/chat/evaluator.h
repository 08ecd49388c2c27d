// Evaluator: renders a parsed chat template (ast.h) against a set of variables, with jinja2's
// scoping (for-loops and macros open a scope; if does not; namespace() carries state out of
// loops), the loop object, macros and call blocks, break/continue, and limits that keep a
// hostile template from hanging or exhausting memory.
#pragma once

#include <cstdint>
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
  // Bytes of all the strings and lists (each item as the Value it is) that operators, filters,
  // calls and blocks build over one render, kept or not. The limits above allow a loop that
  // builds a 16 MiB string a million times (hours); this allows about a second of copying. A
  // real template builds a few times its output (more where it grows a prompt with +).
  uint64_t max_built_bytes = uint64_t{1} << 30;
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
