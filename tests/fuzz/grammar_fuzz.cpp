// libFuzzer target for the grammar compilers: the input's first byte picks GBNF, a regular
// expression or a JSON Schema, the rest is that text; whatever compiles is then run over a
// few byte strings from the input. Errors must be minke::Error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "grammar/gbnf_writer.h"
#include "grammar/grammar.h"
#include "grammar/grammar_matcher.h"
#include "grammar/json_schema.h"
#include "grammar/regex_to_gbnf.h"
#include "minke/error.h"

namespace {

std::string to_gbnf(uint8_t kind, std::string_view text, std::string& root) {
  root = "root";
  switch (kind % 3) {
    case 0:
      return std::string(text);
    case 1: {
      minke::GbnfWriter out;
      root = minke::regex_to_gbnf(text, out, "re",
                                  {.search = (kind & 4) != 0, .json_string = (kind & 8) != 0});
      return out.text();
    }
    default: {
      const auto schema = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (schema.is_discarded()) return {};
      return minke::json_schema_to_gbnf(schema);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    std::string root;
    const std::string gbnf = to_gbnf(data[0], text, root);
    if (gbnf.empty()) return 0;
    const auto grammar = minke::compile_gbnf(gbnf, root);
    minke::GrammarMatcher m(grammar);
    // Feed the input's own bytes: exercises the stacks with arbitrary text.
    for (size_t i = 0; i < text.size() && i < 256; ++i) {
      if (!m.accept(text.substr(i, 1))) break;
    }
    (void)m.can_end();
  } catch (const minke::Error&) {
  }
  return 0;
}
