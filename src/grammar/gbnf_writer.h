// GbnfWriter: collects GBNF rules under unique names, for the translators that produce grammars
// (JSON Schema, regular expressions, tool-call formats). The text it writes is what
// compile_gbnf() (grammar.h) reads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace minke {

class GbnfWriter {
 public:
  // Adds `name ::= body`. When `name` already holds the same body the rule is reused; when it
  // holds another body the rule is added as name-2, name-3, ... Returns the name used. Names
  // are reduced to GBNF's alphabet ([a-zA-Z0-9-], anything else becomes '-').
  std::string add_rule(std::string_view name, std::string_view body);
  bool has_rule(std::string_view name) const { return bodies_.count(std::string(name)) != 0; }
  // Reserves a name before its body is known (recursive rules, $ref); set it with define().
  std::string reserve(std::string_view name);
  void define(const std::string& name, std::string_view body);
  // Every rule, one per line, in the order added.
  std::string text() const;

 private:
  std::string unique_name(std::string_view name) const;

  std::map<std::string, std::string> bodies_;
  std::vector<std::string> order_;
};

// A GBNF string literal ("...") matching exactly this UTF-8 text: quote, backslash and control
// characters escaped, everything else written as it is.
std::string gbnf_literal(std::string_view text);

// One character-class item for a code point ("a", "\\]", "\\x0A", "\\u00E9"), to be used inside
// [...]; escapes what has a meaning there (], [, ^, -, \).
std::string gbnf_class_char(uint32_t code_point);

// Adds the rules of another writer's text (one "name ::= body" per line, as text() writes
// them) with every rule name prefixed by `prefix`, so grammars made apart (one JSON Schema per
// tool) can share one grammar; returns the prefixed name of `root`.
std::string embed_gbnf(GbnfWriter& out, std::string_view gbnf, std::string_view prefix,
                       std::string_view root = "root");

// Adds rules for any text that does not contain `marker` (a Knuth-Morris-Pratt automaton over
// the marker's code points, one rule per matched-prefix length) and returns the start rule's
// name. Free text before a marker such as "</think>" or "<tool_call>" is written with it.
std::string add_text_without(GbnfWriter& out, std::string_view name, std::string_view marker);

}  // namespace minke
