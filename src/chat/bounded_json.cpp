// Bounded JSON parsing: see bounded_json.h.
#include "chat/bounded_json.h"

namespace minke {

bool nests_at_most_max(std::string_view s) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if ((c == '{' || c == '[') && ++depth > kMaxJsonNesting) {
      return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

nlohmann::ordered_json parse_bounded_json(std::string_view text) {
  using json = nlohmann::ordered_json;
  if (!nests_at_most_max(text)) return json(json::value_t::discarded);
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace minke
