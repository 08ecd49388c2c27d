// Regular expression -> GBNF: the constraint behind JSON Schema "pattern" and string "format"s
// (json_schema.cpp) and the CLI's --regex. The grammar's language is exactly the regex's, so
// the model can only produce text the regex accepts.
#pragma once

#include <string>
#include <string_view>

#include "grammar/gbnf_writer.h"

namespace minke {

struct RegexToGbnfOptions {
  // JSON Schema "pattern" semantics (ECMA-262 search): the pattern may match anywhere in the
  // string unless anchored with ^ / $; false: the whole text must match (CLI --regex).
  bool search = false;
  // The rules match the text as it appears inside a JSON string's quotes: each character the
  // regex matches is written in its JSON-escaped form (" as \", \ as \\, control characters
  // < 0x20 as \n \r \t \b \f or \u00xx with lowercase hex); all other characters raw, '/' and
  // non-ASCII included. One canonical encoding per character.
  bool json_string = false;
};

// Adds rules to `out` whose language is the regex's (under the options) and returns the name of
// the top rule (based on `name`). Throws minke::Error("regex /PATTERN/: <what> at offset N") for
// syntax errors and for features a context-free grammar of this kind cannot express
// (backreferences, lookahead/lookbehind, word boundaries), naming the feature.
//
// Accepted: ECMA-262 pattern syntax — literals (UTF-8), '.', [...] [^...], \d \D \w \W \s \S,
// \n \r \t \f \v \0 \cX \xHH \uHHHH \u{H...}, escaped symbols, | ( ) (?: ) (?<name> ) (?P<name> ),
// * + ? {m} {m,} {m,n} and their lazy forms (counts up to kRegexMaxRepeat), ^ and $ where they
// begin or end the match (a top-level alternative or a group that does).
std::string regex_to_gbnf(std::string_view pattern, GbnfWriter& out, std::string_view name,
                          const RegexToGbnfOptions& options = {});

}  // namespace minke
