// Regular-expression parser: ECMA-262 pattern syntax (what JSON Schema "pattern" uses) plus a few
// PCRE spellings, into a small tree that regex_to_gbnf.cpp turns into GBNF. Only the regular
// part of the language is kept: groups capture nothing and laziness is dropped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/regex_char_set.h"

namespace minke {

// Repetition counts above this are refused: each counted repetition becomes a copy (or a
// helper rule) in the grammar.
inline constexpr int kRegexMaxRepeat = 1000;
inline constexpr int kRegexUnbounded = -1;

struct RegexNode {
  enum class Kind {
    kEmpty,   // matches the empty string
    kChars,   // one code point from `chars`; an empty set matches nothing
    kConcat,  // children in order
    kAlt,     // any one child
    kRepeat,  // children[0], min..max times (max kRegexUnbounded: no limit)
    kStart,   // ^ anchor
    kEnd,     // $ anchor
  };

  Kind kind = Kind::kEmpty;
  CodePointSet chars;
  std::vector<RegexNode> children;
  int min = 0;
  int max = 0;
  size_t offset = 0;  // where the node starts in the pattern, for error messages

  static RegexNode empty() { return RegexNode{}; }
  static RegexNode of_chars(CodePointSet set);
  // NOLINTNEXTLINE(bugprone-easily-swappable-parameters): min before max, as in {m,n}
  static RegexNode repeat(RegexNode child, int min, int max);
  static RegexNode list(Kind kind, std::vector<RegexNode> children);
};

// Whether the node matches the empty string (anchors match it too).
bool regex_nullable(const RegexNode& node);
bool regex_has_anchor(const RegexNode& node);

// Parses `pattern` (UTF-8). Throws minke::Error("regex /PATTERN/: <what> at offset N") for
// syntax errors and for what a context-free grammar cannot express (backreferences, lookaround,
// word boundaries), naming the feature.
RegexNode parse_regex(std::string_view pattern);

// The message every regex error carries: "regex /PATTERN/: <what> at offset N".
std::string regex_error_message(std::string_view pattern, std::string_view what, size_t offset);

}  // namespace minke
