// JSON parsed from untrusted text (a model's output, a client's request and the tool arguments
// inside it) with a bound on nesting: nlohmann's dump() and the chat template's conversion of
// values recurse once per level, so a few MB of brackets would overflow the stack. Real
// arguments, schemas and requests are a few levels deep.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace minke {

// The most arrays and objects one JSON value may nest.
inline constexpr int kMaxJsonNesting = 128;

// Whether brackets outside string literals nest at most kMaxJsonNesting deep (the text need not
// be valid JSON).
bool nests_at_most_max(std::string_view text);

// The JSON value `text` holds; discarded when it is not valid JSON or nests deeper than
// kMaxJsonNesting.
nlohmann::ordered_json parse_bounded_json(std::string_view text);

}  // namespace minke
