// "pattern" beside minLength/maxLength for the JSON Schema translator: when the pattern's length
// is fixed but for one repetition (^[a-z][a-z0-9-]*$), the lengths become that repetition's
// count, written back as a pattern for regex_to_gbnf; a pattern whose lengths already fit needs
// nothing. Other combinations are refused by the caller.
#include <algorithm>
#include <cstdio>

#include "grammar/json_schema_internal.h"
#include "grammar/regex_parser.h"

namespace minke {

namespace {

using Kind = RegexNode::Kind;

struct Span {
  int lo = 0;
  int hi = 0;  // kUnbounded: no limit
};

int add_lengths(int a, int b) { return a == kUnbounded || b == kUnbounded ? kUnbounded : a + b; }

int times(int count, int length) {
  if (length == 0 || count == 0) return 0;
  if (count == kRegexUnbounded || count == kUnbounded || length == kUnbounded) return kUnbounded;
  return static_cast<int>(std::min<long long>(static_cast<long long>(count) * length, kUnbounded));
}

// The lengths, in characters, of the strings a node matches.
Span span_of(const RegexNode& node) {
  switch (node.kind) {
    case Kind::kChars:
      return {1, 1};
    case Kind::kConcat: {
      Span s;
      for (const RegexNode& c : node.children) {
        const Span cs = span_of(c);
        s = {s.lo + cs.lo, add_lengths(s.hi, cs.hi)};
      }
      return s;
    }
    case Kind::kAlt: {
      Span s{kUnbounded, 0};
      for (const RegexNode& c : node.children) {
        const Span cs = span_of(c);
        s = {std::min(s.lo, cs.lo), std::max(s.hi, cs.hi)};
      }
      return s;
    }
    case Kind::kRepeat: {
      const Span cs = span_of(node.children[0]);
      return {times(node.min, cs.lo), times(node.max, cs.hi)};
    }
    default:
      return {0, 0};
  }
}

std::string code_point_escape(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u{%X}", cp);
  return buf;
}

// ECMA-262 text for `unit` repeated n times, in counts of at most kRegexMaxRepeat.
std::string exactly(const std::string& unit, int n) {
  const std::string k = std::to_string(kRegexMaxRepeat);
  if (n <= kRegexMaxRepeat) return n == 0 ? "" : unit + "{" + std::to_string(n) + "}";
  return "(?:" + unit + "{" + k + "}){" + std::to_string(n / kRegexMaxRepeat) + "}" +
         exactly(unit, n % kRegexMaxRepeat);
}

// `unit` repeated 0..n times: past kRegexMaxRepeat, nested as (?:u{K}(...)|u{0,K-1}) so that a
// matcher follows at most two readings (a chain u{0,K}u{0,K}... would leave it guessing where
// each copy ends).
std::string up_to(const std::string& unit, int n) {
  if (n <= kRegexMaxRepeat) return n == 0 ? "" : unit + "{0," + std::to_string(n) + "}";
  const std::string k = std::to_string(kRegexMaxRepeat);
  return "(?:" + unit + "{" + k + "}" + up_to(unit, n - kRegexMaxRepeat) + "|" + unit + "{0," +
         std::to_string(kRegexMaxRepeat - 1) + "})";
}

std::string repeat_text(const std::string& unit, int lo, int hi) {
  if (hi == kRegexUnbounded) return exactly(unit, lo) + unit + "*";
  return exactly(unit, lo) + up_to(unit, hi - lo);
}

// The node as ECMA-262 pattern text (every part grouped, every character escaped).
std::string pattern_text(const RegexNode& node) {
  std::string out;
  switch (node.kind) {
    case Kind::kChars:
      if (node.chars.empty()) return "[^\\s\\S]";
      out = "[";
      for (const auto& [lo, hi] : node.chars.ranges()) {
        out += code_point_escape(lo) + (hi > lo ? "-" + code_point_escape(hi) : "");
      }
      return out + "]";
    case Kind::kConcat:
      for (const RegexNode& c : node.children) out += pattern_text(c);
      return "(?:" + out + ")";
    case Kind::kAlt:
      for (size_t i = 0; i < node.children.size(); ++i) {
        out += (i ? "|" : "") + pattern_text(node.children[i]);
      }
      return "(?:" + out + ")";
    case Kind::kRepeat:
      return repeat_text(pattern_text(node.children[0]), node.min, node.max);
    case Kind::kStart:
      return "^";
    case Kind::kEnd:
      return "$";
    default:
      return "(?:)";
  }
}

}  // namespace

std::optional<std::string> pattern_with_length(const std::string& pattern, int min, int max,
                                               bool* empty) {
  *empty = false;
  const RegexNode root = parse_regex(pattern);
  std::vector<RegexNode> parts;
  if (root.kind == Kind::kConcat) {
    parts = root.children;
  } else {
    parts.push_back(root);
  }
  // Search semantics: what is not anchored may be preceded or followed by anything.
  const RegexNode any =
      RegexNode::repeat(RegexNode::of_chars(CodePointSet::all()), 0, kRegexUnbounded);
  if (parts.empty() || parts.front().kind != Kind::kStart) {
    parts.insert(parts.begin(), any);
  } else {
    parts.erase(parts.begin());
  }
  if (parts.empty() || parts.back().kind != Kind::kEnd) {
    parts.push_back(any);
  } else {
    parts.pop_back();
  }
  Span total;
  int variable = -1, n_variable = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (regex_has_anchor(parts[i])) return std::nullopt;  // anchors inside: not this shape
    const Span s = span_of(parts[i]);
    total = {total.lo + s.lo, add_lengths(total.hi, s.hi)};
    if (s.lo != s.hi) {
      variable = static_cast<int>(i);
      ++n_variable;
    }
  }
  if (total.lo >= min && (max == kUnbounded || (total.hi != kUnbounded && total.hi <= max))) {
    return pattern;  // every match already has an allowed length
  }
  if ((max != kUnbounded && total.lo > max) || (total.hi != kUnbounded && total.hi < min)) {
    *empty = true;
    return std::nullopt;
  }
  if (n_variable != 1 || parts[variable].kind != Kind::kRepeat) return std::nullopt;
  const RegexNode& rep = parts[variable];
  const Span unit = span_of(rep.children[0]);
  if (unit.lo != unit.hi || unit.lo == 0) return std::nullopt;
  // Length = fixed + unit * count: the count range that meets min..max.
  const int fixed = total.lo - span_of(rep).lo;
  int lo = std::max(rep.min, (min - fixed + unit.lo - 1) / unit.lo);
  int hi = rep.max == kRegexUnbounded ? kUnbounded : rep.max;
  if (max != kUnbounded) hi = std::min(hi, (max - fixed) / unit.lo);
  lo = std::max(lo, 0);
  if (hi < lo) {
    *empty = true;
    return std::nullopt;
  }
  parts[variable] = RegexNode::repeat(rep.children[0], lo, hi == kUnbounded ? kRegexUnbounded : hi);
  std::string out = "^";
  for (const RegexNode& p : parts) out += pattern_text(p);
  return out + "$";
}

}  // namespace minke
