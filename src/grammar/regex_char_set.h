// CodePointSet: a set of Unicode code points as sorted ranges, the character classes of a regular
// expression (regex_parser.h), plus ECMA-262's predefined classes (\d \w \s and '.').
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace minke {

class CodePointSet {
 public:
  using Range = std::pair<uint32_t, uint32_t>;  // [first, second], inclusive
  static constexpr uint32_t kLast = 0x10FFFF;   // the last Unicode code point

  CodePointSet() = default;
  static CodePointSet of(uint32_t cp) { return range(cp, cp); }
  static CodePointSet range(uint32_t lo, uint32_t hi);
  static CodePointSet all() { return range(0, kLast); }

  void add(uint32_t lo, uint32_t hi);
  void add(const CodePointSet& other);
  CodePointSet complement() const;
  CodePointSet minus(const CodePointSet& other) const;
  CodePointSet intersect(const CodePointSet& other) const;
  bool contains(uint32_t cp) const;
  bool empty() const { return ranges_.empty(); }
  // Whether the set holds exactly one code point (written to *cp).
  bool single(uint32_t* cp) const;
  // Sorted, disjoint and never adjacent, so equal sets have equal ranges.
  const std::vector<Range>& ranges() const { return ranges_; }
  bool operator==(const CodePointSet&) const = default;

 private:
  std::vector<Range> ranges_;
};

// UTF-16 surrogates: code points no UTF-8 text contains, so a set counts as empty or full
// regardless of them.
CodePointSet surrogates();
// ECMA-262 CharacterClassEscape sets (22.2.2.9) and '.', which excludes the LineTerminators
// LF, CR, U+2028 and U+2029 (no dotAll flag).
CodePointSet ecma_digit();
CodePointSet ecma_word();
CodePointSet ecma_space();
CodePointSet ecma_dot();

}  // namespace minke
