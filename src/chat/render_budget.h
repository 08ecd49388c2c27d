// RenderLimits and RenderBudget: what one chat-template render may build. A template comes with
// the model file, so it is untrusted: it must neither hang nor exhaust memory, whatever it does.
// The evaluator counts loop iterations and call depth itself; the size of values is checked
// where they are built, deep inside operators, filters and methods, which reach the render's
// budget through RenderBudget's static functions (the render running on this thread).
#pragma once

#include <cstddef>
#include <cstdint>

namespace minke::chat {

struct RenderLimits {
  size_t max_output_bytes = 16u << 20;      // rendered text, and any one string or list built
  int64_t max_loop_iterations = 1'000'000;  // all loop iterations together
  int max_call_depth = 64;                  // nested macro calls
  // Bytes of all the strings and lists (each item as the Value it is) that a render builds,
  // kept or not (dicts are not counted: a template can only build them key by key). The limits
  // above allow a loop that builds a 16 MiB string a million times (hours); this allows about a
  // second of copying. A real template builds a few times its output, more where it grows a
  // prompt with +.
  uint64_t max_built_bytes = uint64_t{1} << 30;
};

// Installed by the evaluator for the length of a render (nested renders stack). Outside a
// render the static functions check nothing: values built while a template is parsed or its
// inputs are converted are bounded by their source.
class RenderBudget {
 public:
  explicit RenderBudget(const RenderLimits& limits);
  ~RenderBudget();
  RenderBudget(const RenderBudget&) = delete;
  RenderBudget& operator=(const RenderBudget&) = delete;

  // A string of n bytes (unit 1) or a list of n items (unit sizeof(Value)) was built: fails
  // (TemplateError) when n passes max_output_bytes or the render's total passes max_built_bytes.
  static void built(size_t n, size_t unit = 1);
  // A text being assembled piece by piece (join, tojson, repr, indent) has reached n bytes:
  // fails when n passes max_output_bytes, before the rest is built.
  static void growing(size_t n);

 private:
  RenderLimits limits_;
  uint64_t built_ = 0;
  RenderBudget* previous_;
};

}  // namespace minke::chat
