// Regular expression -> GBNF: see regex_to_gbnf.h. Three steps over the parsed tree: anchors
// become any-string prefixes/suffixes (search mode), the tree is simplified so no repetition
// has a body that matches the empty string, and the result is written as one GBNF expression.
#include "grammar/regex_to_gbnf.h"

#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "core/check.h"
#include "grammar/regex_parser.h"
#include "minke/error.h"

namespace minke {

namespace {

using Kind = RegexNode::Kind;

RegexNode nothing() { return RegexNode::of_chars(CodePointSet()); }
bool is_nothing(const RegexNode& node) { return node.kind == Kind::kChars && node.chars.empty(); }

RegexNode any_string() {
  return RegexNode::repeat(RegexNode::of_chars(CodePointSet::all()), 0, kRegexUnbounded);
}

bool is_any_string(const RegexNode& node) {
  return node.kind == Kind::kRepeat && node.min == 0 && node.max == kRegexUnbounded &&
         node.children[0].kind == Kind::kChars &&
         node.children[0].chars.minus(surrogates()) == CodePointSet::all().minus(surrogates());
}

// Places the anchors. `at_start`: no text of the match can precede this node, so ^ may stand
// here, and in search mode the any-string prefix goes here unless a ^ takes its place;
// `at_end` likewise for $ and the suffix.
class AnchorPlacer {
 public:
  AnchorPlacer(std::string_view pattern, bool search) : pattern_(pattern), search_(search) {}

  RegexNode place(const RegexNode& node, bool at_start, bool at_end) const {
    if (!regex_has_anchor(node)) return surround(node, at_start, at_end);
    switch (node.kind) {
      case Kind::kStart:
        if (!at_start) fail("^ anchor that does not begin the match is not supported", node);
        return surround(RegexNode::empty(), false, at_end);
      case Kind::kEnd:
        if (!at_end) fail("$ anchor that does not end the match is not supported", node);
        return surround(RegexNode::empty(), at_start, false);
      case Kind::kAlt: {
        std::vector<RegexNode> alternatives;
        for (const RegexNode& child : node.children) {
          alternatives.push_back(place(child, at_start, at_end));
        }
        return RegexNode::list(Kind::kAlt, std::move(alternatives));
      }
      default: {
        MINKE_CHECK(node.kind == Kind::kConcat);  // the parser refuses anchors in repetitions
        std::vector<RegexNode> items;
        const size_t n = node.children.size();
        for (size_t i = 0; i < n; ++i) {
          items.push_back(place(node.children[i], at_start && i == 0, at_end && i + 1 == n));
        }
        return RegexNode::list(Kind::kConcat, std::move(items));
      }
    }
  }

 private:
  RegexNode surround(const RegexNode& node, bool prefix, bool suffix) const {
    if (!search_ || (!prefix && !suffix)) return node;
    std::vector<RegexNode> items;
    if (prefix) items.push_back(any_string());
    items.push_back(node);
    if (suffix) items.push_back(any_string());
    return RegexNode::list(Kind::kConcat, std::move(items));
  }

  [[noreturn]] void fail(std::string_view what, const RegexNode& node) const {
    throw Error(regex_error_message(pattern_, what, node.offset));
  }

  std::string_view pattern_;
  bool search_;
};

// A list node with 0 or 1 children collapses to its neutral element or that child.
RegexNode make_list(Kind kind, std::vector<RegexNode> children) {
  if (children.empty()) return kind == Kind::kConcat ? RegexNode::empty() : nothing();
  if (children.size() == 1) return std::move(children[0]);
  return RegexNode::list(kind, std::move(children));
}

RegexNode simplify(const RegexNode& node);

// The node's language without the empty string. `node` is simplified.
RegexNode non_empty(const RegexNode& node) {
  if (!regex_nullable(node)) return node;
  std::vector<RegexNode> alternatives;
  switch (node.kind) {
    case Kind::kAlt:
      for (const RegexNode& child : node.children) alternatives.push_back(non_empty(child));
      break;
    case Kind::kRepeat:  // simplified repetitions have bodies that never match ""
      return simplify(RegexNode::repeat(node.children[0], 1, node.max));
    case Kind::kConcat:
      // Every child matches "": a non-empty match has a first child that matched something.
      for (size_t i = 0; i < node.children.size(); ++i) {
        std::vector<RegexNode> items{non_empty(node.children[i])};
        const auto rest = node.children.begin() + static_cast<ptrdiff_t>(i) + 1;
        items.insert(items.end(), rest, node.children.end());
        alternatives.push_back(RegexNode::list(Kind::kConcat, std::move(items)));
      }
      break;
    default:
      return nothing();
  }
  return simplify(RegexNode::list(Kind::kAlt, std::move(alternatives)));
}

RegexNode simplify_list(const RegexNode& node) {
  const bool concat = node.kind == Kind::kConcat;
  std::vector<RegexNode> out;
  size_t chars_at = SIZE_MAX;  // the alternative every single-character alternative joins
  for (const RegexNode& original : node.children) {
    RegexNode child = simplify(original);
    if (is_nothing(child)) {
      if (concat) return nothing();
      continue;
    }
    if (concat && child.kind == Kind::kEmpty) continue;
    if (child.kind == node.kind) {  // (a(bc)) -> abc, (a|(b|c)) -> a|b|c
      for (RegexNode& grandchild : child.children) out.push_back(std::move(grandchild));
    } else if (concat && is_any_string(child) && !out.empty() && is_any_string(out.back())) {
      continue;  // .*.* -> .*
    } else if (!concat && child.kind == Kind::kChars && chars_at != SIZE_MAX) {
      out[chars_at].chars.add(child.chars);  // a|[bc] -> [abc]
    } else {
      if (!concat && child.kind == Kind::kChars) chars_at = out.size();
      out.push_back(std::move(child));
    }
  }
  return make_list(node.kind, std::move(out));
}

RegexNode simplify(const RegexNode& node) {
  switch (node.kind) {
    case Kind::kChars:
      return node.chars.minus(surrogates()).empty() ? nothing() : node;
    case Kind::kConcat:
    case Kind::kAlt:
      return simplify_list(node);
    case Kind::kRepeat: {
      RegexNode child = simplify(node.children[0]);
      if (is_nothing(child)) return node.min == 0 ? RegexNode::empty() : nothing();
      int min = node.min;
      if (regex_nullable(child)) {
        // x{m,n} = x{0,n} when x matches "", and then only non-empty iterations matter; a
        // grammar repeating a nullable body would be left-recursive.
        child = non_empty(child);
        min = 0;
      }
      if (child.kind == Kind::kEmpty || is_nothing(child) || node.max == 0) {
        return RegexNode::empty();
      }
      if (min == 1 && node.max == 1) return child;
      if (node.max == kRegexUnbounded && child.kind == Kind::kRepeat &&
          child.max == kRegexUnbounded && child.min <= 1) {
        // (x+)* = x*, (x+){3,} = x{3,}: one repetition instead of an ambiguous nest of two.
        min *= child.min;
        child = RegexNode(std::move(child.children[0]));
      }
      return RegexNode::repeat(std::move(child), min, node.max);
    }
    default:
      return RegexNode::empty();  // anchors are placed before simplifying
  }
}

std::string utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// The letter of JSON's two-character escape for cp (RFC 8259 section 7), or 0 if it has none.
char json_short_escape(uint32_t cp) {
  switch (cp) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      return 0;
  }
}

// What JSON writes for cp inside a string: the short escape, \u00xx for other control
// characters, or the character itself.
std::string json_encode(uint32_t cp) {
  if (const char letter = json_short_escape(cp)) return std::string{'\\', letter};
  if (cp >= 0x20) return utf8(cp);
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  return buf;
}

// The characters JSON never writes raw inside a string.
CodePointSet json_escaped_chars() {
  CodePointSet set = CodePointSet::range(0, 0x1F);
  set.add('"', '"');
  set.add('\\', '\\');
  return set;
}

// A GBNF expression and how tightly it binds, so it gets parentheses only where needed.
struct Expr {
  enum Prec { kAlt, kSeq, kAtom };
  std::string text;
  Prec prec;

  std::string at_least(Prec need) const { return prec >= need ? text : "(" + text + ")"; }
};

std::string class_items(const CodePointSet& set) {
  std::string out;
  for (const auto& [lo, hi] : set.ranges()) {
    out += gbnf_class_char(lo);
    if (hi == lo) continue;
    if (hi > lo + 1) out += '-';
    out += gbnf_class_char(hi);
  }
  return out;
}

// A code-point class for a non-empty set: '.', [...] or [^...], whichever is shortest.
// Surrogates are left out of both forms (the compiler never matches them).
Expr class_expr(const CodePointSet& set) {
  const CodePointSet positive = set.minus(surrogates());
  const CodePointSet negative = set.complement().minus(surrogates());
  if (negative.empty()) return {".", Expr::kAtom};
  uint32_t cp = 0;
  if (positive.single(&cp)) return {gbnf_literal(utf8(cp)), Expr::kAtom};
  if (negative.ranges().size() < positive.ranges().size()) {
    return {"[^" + class_items(negative) + "]", Expr::kAtom};
  }
  return {"[" + class_items(positive) + "]", Expr::kAtom};
}

class Emitter {
 public:
  Emitter(GbnfWriter& out, bool json) : out_(out), json_(json) {}

  Expr emit(const RegexNode& node) {
    switch (node.kind) {
      case Kind::kChars:
        return emit_chars(node.chars);
      case Kind::kConcat:
        return emit_concat(node);
      case Kind::kAlt: {
        std::string text;
        for (const RegexNode& child : node.children) {
          text += (text.empty() ? "" : " | ") + emit(child).at_least(Expr::kSeq);
        }
        return {text, Expr::kAlt};
      }
      case Kind::kRepeat:
        return emit_repeat(node);
      default:
        return {"\"\"", Expr::kAtom};
    }
  }

 private:
  Expr emit_concat(const RegexNode& node) {
    std::vector<Expr> parts;
    std::string literal;  // a run of single characters becomes one "..." literal
    const auto flush = [&] {
      if (!literal.empty()) parts.push_back({gbnf_literal(literal), Expr::kAtom});
      literal.clear();
    };
    for (const RegexNode& child : node.children) {
      uint32_t cp = 0;
      if (child.kind == Kind::kChars && child.chars.single(&cp)) {
        literal += json_ ? json_encode(cp) : utf8(cp);
        continue;
      }
      flush();
      parts.push_back(emit(child));
    }
    flush();
    if (parts.size() == 1) return parts[0];
    std::string text;
    for (const Expr& part : parts) text += (text.empty() ? "" : " ") + part.at_least(Expr::kSeq);
    return {text, Expr::kSeq};
  }

  Expr emit_repeat(const RegexNode& node) {
    const int min = node.min;
    const int max = node.max;
    std::string suffix;
    if (max == kRegexUnbounded) {
      suffix = min == 0 ? "*" : min == 1 ? "+" : "{" + std::to_string(min) + ",}";
    } else if (min == 0 && max == 1) {
      suffix = "?";
    } else {
      suffix = "{" + std::to_string(min);
      if (max != min) suffix += "," + std::to_string(max);
      suffix += "}";
    }
    // A sequence, not an atom: GBNF has no x{2}{3}, so a repetition of one gets parentheses.
    return {emit(node.children[0]).at_least(Expr::kAtom) + suffix, Expr::kSeq};
  }

  Expr emit_chars(const CodePointSet& set) {
    if (!json_) return class_expr(set);
    if (set.minus(surrogates()) == CodePointSet::all().minus(surrogates())) {
      // Any JSON string character: the search prefix and suffix, [\s\S]; shared as one rule.
      return {out_.add_rule("regex-json-char", json_chars(set).text), Expr::kAtom};
    }
    return json_chars(set);
  }

  // The JSON-string spellings of the characters in `set`: the raw ones as a class, the others
  // as their escapes after one shared backslash.
  Expr json_chars(const CodePointSet& set) {
    const CodePointSet escaped = set.intersect(json_escaped_chars());
    const CodePointSet raw = set.minus(json_escaped_chars());
    std::vector<Expr> alternatives;
    if (!raw.minus(surrogates()).empty()) alternatives.push_back(class_expr(raw));
    uint32_t cp = 0;
    if (escaped.single(&cp)) {
      alternatives.push_back({gbnf_literal(json_encode(cp)), Expr::kAtom});
    } else if (!escaped.empty()) {
      const std::string tails = escape_tails(escaped).at_least(Expr::kAtom);
      alternatives.push_back({"\"\\\\\" " + tails, Expr::kSeq});
    }
    if (alternatives.size() == 1) return alternatives[0];
    return {alternatives[0].text + " | " + alternatives[1].text, Expr::kAlt};
  }

  // What follows the backslash for each character of `escaped` (all < 0x20, '"' or '\').
  static Expr escape_tails(const CodePointSet& escaped) {
    CodePointSet letters;
    CodePointSet low_digits;   // \u000x
    CodePointSet high_digits;  // \u001x
    for (const auto& [lo, hi] : escaped.ranges()) {
      for (uint32_t cp = lo; cp <= hi; ++cp) {
        const auto digit = static_cast<unsigned char>("0123456789abcdef"[cp & 0xF]);
        if (const char letter = json_short_escape(cp)) {
          letters.add(letter, letter);
        } else {
          (cp < 0x10 ? low_digits : high_digits).add(digit, digit);
        }
      }
    }
    std::vector<Expr> tails;
    if (!letters.empty()) tails.push_back(class_expr(letters));
    if (!low_digits.empty()) {
      tails.push_back({"\"u000\" " + class_expr(low_digits).text, Expr::kSeq});
    }
    if (!high_digits.empty()) {
      tails.push_back({"\"u001\" " + class_expr(high_digits).text, Expr::kSeq});
    }
    if (tails.size() == 1) return tails[0];
    std::string text;
    for (const Expr& tail : tails) text += (text.empty() ? "" : " | ") + tail.text;
    return {text, Expr::kAlt};
  }

  GbnfWriter& out_;
  bool json_;
};

}  // namespace

std::string regex_to_gbnf(std::string_view pattern, GbnfWriter& out, std::string_view name,
                          const RegexToGbnfOptions& options) {
  const RegexNode parsed = parse_regex(pattern);
  const AnchorPlacer placer(pattern, options.search);
  const RegexNode tree = simplify(placer.place(parsed, true, true));
  if (is_nothing(tree)) {
    throw Error("regex /" + std::string(pattern) + "/: the pattern matches no string");
  }
  const std::string body = Emitter(out, options.json_string).emit(tree).text;
  return out.add_rule(name, body);
}

}  // namespace minke
