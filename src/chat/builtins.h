// The built-in filters, tests, attribute/item access and methods of the chat-template
// interpreter, with jinja2's (sandboxed) semantics. Filters live in filters.cpp, the rest in
// tests_and_methods.cpp.
#pragma once

#include <string>

#include "chat/value.h"

namespace minke::chat {

bool has_filter(const std::string& name);
Value apply_filter(const std::string& name, const Value& input, CallArgs& args);

bool has_test(const std::string& name);
bool apply_test(const std::string& name, const Value& input, CallArgs& args);

// obj.name: a dict key, a bound method of str/dict/list, or undefined with jinja2's hint.
Value get_attribute(const Value& obj, const std::string& name);
// obj[key]: like jinja2's Environment.getitem (missing keys/indices give undefined).
Value get_item(const Value& obj, const Value& key);
// obj[start:stop:step] on strings and lists (code points for strings).
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// The items a for loop or a filter iterates: list items, dict keys, string characters;
// undefined iterates as empty. Throws "'int' object is not iterable" otherwise.
ValueList iterate(const Value& v);
// `needle in haystack`.
bool contains(const Value& haystack, const Value& needle);
// Raises jinja2's UndefinedError text when v is undefined.
void require_defined(const Value& v);
// str.replace (the method and the filter), its length checked against the render's budget
// before it is built.
Value replaced(const std::string& s, const std::string& old, const std::string& repl,
               int64_t count);

}  // namespace minke::chat
