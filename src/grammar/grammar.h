// Grammar: a context-free grammar over bytes, compiled from GBNF (llama.cpp's grammar format),
// the form every constraint (JSON Schema, regular expression, tool-call format) is turned into
// before decoding. Being over bytes, a token that ends inside a UTF-8 character or spans several
// grammar symbols needs no special case.
//
// GBNF as accepted here (llama.cpp's grammars/README.md):
//   name ::= alternative | alternative ...     one rule per line; "root" is where output starts
//   "literal"  [a-z0-9_]  [^"\\]  .  name  ( group )
//   x*  x+  x?  x{m}  x{m,}  x{m,n}  x{,n}     repetition
//   # comment to the end of the line; a rule continues on the next line inside ( ) or after |
//   escapes in literals and classes: \n \r \t \\ \" \[ \] \- \^ \xHH \uHHHH \UHHHHHHHH
//   (\xHH, \u and \U name code points, written as UTF-8; '.' is any code point)
// Left recursion is rejected (it would never terminate); right recursion is free.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace minke {

// A set of byte values.
struct ByteSet {
  std::array<uint64_t, 4> bits{};
  bool has(uint8_t b) const { return (bits[b >> 6] >> (b & 63)) & 1; }
  void add(uint8_t b) { bits[b >> 6] |= uint64_t{1} << (b & 63); }
  void add_range(uint8_t lo, uint8_t hi) {
    for (int b = lo; b <= hi; ++b) add(static_cast<uint8_t>(b));
  }
  bool operator==(const ByteSet&) const = default;
};

enum class ElementKind : uint8_t {
  kBytes,  // one byte from byte_sets[arg]
  kRule,   // rule number arg
  kEnd,    // end of an alternative
};

struct Element {
  ElementKind kind;
  int32_t arg;
};

// Compiled grammar. Every alternative of every rule is a run of elements in `elements` ending
// with kEnd; a position is an index into `elements`. Immutable once built: shared by every
// request that uses it.
struct Grammar {
  std::vector<Element> elements;
  std::vector<ByteSet> byte_sets;
  std::vector<std::vector<int32_t>> alternatives;  // [rule] start positions of its alternatives
  std::vector<std::string> rule_names;             // [rule]; generated helper rules are named too
  int32_t root = 0;

  int32_t n_rules() const { return static_cast<int32_t>(alternatives.size()); }
};

// Compiles GBNF text. Throws minke::Error("grammar L:C: ...") for a syntax error, an undefined or
// missing root rule, or left recursion (naming the rules involved).
std::shared_ptr<const Grammar> compile_gbnf(std::string_view text, std::string_view root = "root");

// Whether the whole of `text` is a sentence of the grammar (tests and tools; decoding uses
// GrammarMatcher).
bool grammar_matches(const Grammar& grammar, std::string_view text);

}  // namespace minke
