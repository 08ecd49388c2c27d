// Python str helpers over UTF-8 std::string: code-point length and slicing, str.strip/split/
// splitlines/title/capitalize with Python's whitespace set, and the escapes of repr() and
// json.dumps(). Case mapping is ASCII-only (chat templates only case-map ASCII role names).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minke::chat::py {

std::vector<char32_t> decode(std::string_view s);
std::string encode(const std::vector<char32_t>& cps);
void append_utf8(std::string& out, char32_t cp);
size_t length(std::string_view s);  // code points
bool is_space(char32_t c);          // str.isspace()

// str.strip(chars) / lstrip / rstrip; chars unset = whitespace.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right);
// str.split(sep, maxsplit) and str.rsplit; sep unset = runs of whitespace.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               int64_t maxsplit, bool from_right = false);
std::vector<std::string> splitlines(std::string_view s);
std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
// The length replace() gives, without building it.
size_t replaced_size(std::string_view s, std::string_view old, std::string_view repl,
                     int64_t count);
std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string capitalize(std::string_view s);
std::string title_method(std::string_view s);  // str.title()
std::string title_filter(std::string_view s);  // jinja2's |title
// Index of sub in s in code points, or -1 (str.find / str.rfind).
int64_t find(std::string_view s, std::string_view sub, bool from_right);

std::string repr(std::string_view s);  // 'text' with Python's quoting
std::string json_quote(std::string_view s, bool ensure_ascii);

}  // namespace minke::chat::py
