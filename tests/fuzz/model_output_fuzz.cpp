// libFuzzer target for what reads a model's output: the <think> and Harmony splitters and the
// tool-call parser of every format. A model may write anything, so none may crash, and the
// splitters must not depend on how the text was cut into streamed pieces: fed whole or in
// pieces of the input's first byte's length, reasoning and content come out the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chat/harmony.h"
#include "chat/reasoning.h"
#include "chat/tool_call_format.h"

namespace {

struct Split {
  std::string reasoning, content;
  bool operator==(const Split&) const = default;
};

Split run(minke::OutputSplitter& s, std::string_view text, size_t step) {
  Split out;
  const auto take = [&](const std::vector<minke::ReasoningPiece>& pieces) {
    for (const minke::ReasoningPiece& p : pieces)
      (p.thinking ? out.reasoning : out.content) += p.text;
  };
  for (size_t i = 0; i < text.size(); i += step) take(s.push(text.substr(i, step)));
  take(s.flush());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t step = data[0] % 13 + 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  minke::HarmonySplitter harmony_whole, harmony_cut;
  const Split h = run(harmony_whole, text, text.size() + 1);
  if (!(run(harmony_cut, text, step) == h)) std::abort();  // streaming must not change the split
  minke::ReasoningSplitter think_whole, think_cut;
  if (!(run(think_cut, text, step) == run(think_whole, text, text.size() + 1))) std::abort();

  for (const std::string& name : minke::tool_call_format_names()) {
    const minke::ToolCallFormat format = *minke::tool_call_format_from_name(name);
    (void)minke::parse_tool_calls(format, text);
    if (format == minke::ToolCallFormat::kHarmony) {
      (void)minke::parse_tool_calls(format, h.content);
    }
  }
  return 0;
}
