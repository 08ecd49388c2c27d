// CodePointSet and the ECMA-262 predefined classes: see regex_char_set.h.
#include "grammar/regex_char_set.h"

#include <algorithm>

namespace minke {

CodePointSet CodePointSet::range(uint32_t lo, uint32_t hi) {
  CodePointSet set;
  set.add(lo, hi);
  return set;
}

void CodePointSet::add(uint32_t lo, uint32_t hi) {
  if (lo > hi) return;
  // Sets stay small (a class has a handful of ranges), so a linear merge is enough.
  std::vector<Range> merged;
  merged.reserve(ranges_.size() + 1);
  bool placed = false;
  for (const Range& r : ranges_) {
    if (r.second + 1 < lo) {
      merged.push_back(r);
    } else if (hi + 1 < r.first) {
      if (!placed) merged.emplace_back(lo, hi);
      placed = true;
      merged.push_back(r);
    } else {
      lo = std::min(lo, r.first);
      hi = std::max(hi, r.second);
    }
  }
  if (!placed) merged.emplace_back(lo, hi);
  ranges_ = std::move(merged);
}

void CodePointSet::add(const CodePointSet& other) {
  for (const Range& r : other.ranges_) add(r.first, r.second);
}

CodePointSet CodePointSet::complement() const {
  CodePointSet out;
  uint32_t next = 0;
  for (const Range& r : ranges_) {
    if (r.first > next) out.ranges_.emplace_back(next, r.first - 1);
    next = r.second + 1;
  }
  if (next <= kLast) out.ranges_.emplace_back(next, kLast);
  return out;
}

CodePointSet CodePointSet::intersect(const CodePointSet& other) const {
  CodePointSet out;
  for (const Range& a : ranges_) {
    for (const Range& b : other.ranges_) {
      out.add(std::max(a.first, b.first), std::min(a.second, b.second));
    }
  }
  return out;
}

CodePointSet CodePointSet::minus(const CodePointSet& other) const {
  return intersect(other.complement());
}

bool CodePointSet::contains(uint32_t cp) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [cp](const Range& r) { return r.first <= cp && cp <= r.second; });
}

bool CodePointSet::single(uint32_t* cp) const {
  if (ranges_.size() != 1 || ranges_[0].first != ranges_[0].second) return false;
  *cp = ranges_[0].first;
  return true;
}

CodePointSet surrogates() { return CodePointSet::range(0xD800, 0xDFFF); }

CodePointSet ecma_digit() { return CodePointSet::range('0', '9'); }

CodePointSet ecma_word() {
  CodePointSet set = CodePointSet::range('0', '9');
  set.add('A', 'Z');
  set.add('_', '_');
  set.add('a', 'z');
  return set;
}

CodePointSet ecma_space() {
  // WhiteSpace and LineTerminator (ECMA-262 12.2, 12.3): TAB LF VT FF CR SPACE, NBSP, the
  // Space_Separator code points (U+1680, U+2000-200A, U+202F, U+205F, U+3000), LS, PS and BOM.
  CodePointSet set = CodePointSet::range('\t', '\r');
  for (const uint32_t cp :
       {0x20u, 0xA0u, 0x1680u, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u, 0xFEFFu}) {
    set.add(cp, cp);
  }
  set.add(0x2000, 0x200A);
  return set;
}

CodePointSet ecma_dot() {
  CodePointSet line_terminators = CodePointSet::of('\n');
  line_terminators.add('\r', '\r');
  line_terminators.add(0x2028, 0x2029);
  return line_terminators.complement();
}

}  // namespace minke
