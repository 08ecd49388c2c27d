// Regular-expression parser: see regex_parser.h. Recursive descent over ECMA-262's Pattern
// grammar (22.2.1): Disjunction -> Alternative -> Term (Atom Quantifier?), with the Annex B
// leniencies browsers have ('{' and ']' as literals when they cannot mean anything else).
#include "grammar/regex_parser.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "minke/error.h"

namespace minke {

namespace {

using Kind = RegexNode::Kind;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One item of a character class or one escape: a code point, or a predefined class such as \d
// (which cannot be the end of a range).
struct ClassAtom {
  CodePointSet set;
  uint32_t cp = 0;
  bool is_class = false;
};

ClassAtom char_atom(uint32_t cp) { return {CodePointSet::of(cp), cp, false}; }
ClassAtom class_atom(CodePointSet set) { return {std::move(set), 0, true}; }

struct Quantifier {
  int min;
  int max;  // kRegexUnbounded: no limit
};

class Parser {
 public:
  explicit Parser(std::string_view pattern) : p_(pattern) {}

  RegexNode parse() {
    RegexNode node = parse_alternation();
    // parse_alternation stops only at the end or at a ')' that no group opened.
    if (!at_end()) fail("unmatched ')'", pos_);
    return node;
  }

 private:
  bool at_end() const { return pos_ >= p_.size(); }
  char peek() const { return p_[pos_]; }
  bool rest_starts_with(std::string_view s) const { return p_.substr(pos_).starts_with(s); }
  [[noreturn]] void fail(std::string_view what, size_t offset) const {
    throw Error(regex_error_message(p_, what, offset));
  }

  RegexNode parse_alternation() {
    const size_t start = pos_;
    std::vector<RegexNode> alternatives{parse_sequence()};
    while (!at_end() && peek() == '|') {
      ++pos_;
      alternatives.push_back(parse_sequence());
    }
    if (alternatives.size() == 1) return std::move(alternatives[0]);
    RegexNode node = RegexNode::list(Kind::kAlt, std::move(alternatives));
    node.offset = start;
    return node;
  }

  RegexNode parse_sequence() {
    const size_t start = pos_;
    std::vector<RegexNode> items;
    while (!at_end() && peek() != '|' && peek() != ')') items.push_back(parse_term());
    if (items.size() == 1) return std::move(items[0]);
    RegexNode node = items.empty() ? RegexNode::empty() : RegexNode::list(Kind::kConcat, items);
    node.offset = start;
    return node;
  }

  RegexNode parse_term() {
    RegexNode atom = parse_atom();
    const size_t at = pos_;
    const std::optional<Quantifier> quantifier = parse_quantifier();
    if (!quantifier) return atom;
    if (atom.kind == Kind::kStart || atom.kind == Kind::kEnd) {
      fail("nothing to repeat (quantifier after an anchor)", at);
    }
    if (regex_has_anchor(atom)) fail("anchor inside a repeated group is not supported", at);
    if (!at_end() && peek() == '?') ++pos_;  // lazy: the same strings match
    const size_t next = pos_;
    if (parse_quantifier()) {
      fail("quantifier after a quantifier (possessive quantifiers are not supported)", next);
    }
    RegexNode node = RegexNode::repeat(std::move(atom), quantifier->min, quantifier->max);
    node.offset = node.children[0].offset;
    return node;
  }

  // Reads * + ? {m} {m,} {m,n} at the cursor; leaves the cursor alone when there is none.
  std::optional<Quantifier> parse_quantifier() {
    if (at_end()) return std::nullopt;
    const char c = peek();
    if (c == '*' || c == '+' || c == '?') {
      ++pos_;
      return Quantifier{.min = c == '+' ? 1 : 0, .max = c == '?' ? 1 : kRegexUnbounded};
    }
    if (c == '{') return parse_braces();
    return std::nullopt;
  }

  // Annex B: a '{' that does not open {m}, {m,} or {m,n} is a literal, as is {,n}.
  std::optional<Quantifier> parse_braces() {
    const size_t start = pos_;
    size_t i = pos_ + 1;
    auto number = [&](int64_t* out) {
      const size_t from = i;
      for (*out = 0; i < p_.size() && is_digit(p_[i]); ++i) {
        *out = std::min<int64_t>(*out * 10 + (p_[i] - '0'), INT32_MAX);
      }
      return i > from;
    };
    int64_t lo = 0;
    int64_t hi = 0;
    if (!number(&lo)) return std::nullopt;
    hi = lo;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      if (!number(&hi)) hi = kRegexUnbounded;
    }
    if (i >= p_.size() || p_[i] != '}') return std::nullopt;
    pos_ = i + 1;
    if (std::max(lo, hi) > kRegexMaxRepeat) {
      fail("repetition count " + std::to_string(std::max(lo, hi)) + " exceeds the limit of " +
               std::to_string(kRegexMaxRepeat),
           start);
    }
    if (hi != kRegexUnbounded && hi < lo) fail("repetition {m,n} with n < m", start);
    return Quantifier{.min = static_cast<int>(lo), .max = static_cast<int>(hi)};
  }

  RegexNode parse_atom() {
    const size_t start = pos_;
    RegexNode node;
    switch (peek()) {
      case '(':
        return parse_group();
      case '[':
        return parse_class();
      case '*':
      case '+':
      case '?':
        fail("nothing to repeat", start);
      case '.':
        ++pos_;
        node = RegexNode::of_chars(ecma_dot());
        break;
      case '^':
      case '$':
        node.kind = peek() == '^' ? Kind::kStart : Kind::kEnd;
        ++pos_;
        break;
      case '\\':
        node = RegexNode::of_chars(parse_escape(/*in_class=*/false).set);
        break;
      default:
        if (peek() == '{' && parse_quantifier()) {
          fail("nothing to repeat", start);
        }
        node = RegexNode::of_chars(CodePointSet::of(next_code_point()));
    }
    node.offset = start;
    return node;
  }

  RegexNode parse_group() {
    const size_t start = pos_;
    ++pos_;  // '('
    if (!at_end() && peek() == '?') parse_group_prefix(start);
    RegexNode inner = parse_alternation();
    if (at_end()) fail("missing ')' for the group", start);
    ++pos_;
    return inner;
  }

  // After "(?": non-capturing and named groups are plain groups; the rest cannot be expressed.
  void parse_group_prefix(size_t start) {
    if (rest_starts_with("?:")) {
      pos_ += 2;
    } else if (rest_starts_with("?=") || rest_starts_with("?!")) {
      fail("lookahead (?= or (?! is not supported", start);
    } else if (rest_starts_with("?<=") || rest_starts_with("?<!")) {
      fail("lookbehind (?<= or (?<! is not supported", start);
    } else if (rest_starts_with("?<") || rest_starts_with("?P<")) {
      pos_ += peek_at(1) == 'P' ? 3 : 2;
      parse_group_name(start);
    } else if (rest_starts_with("?>")) {
      fail("atomic group (?> is not supported", start);
    } else {
      fail("unsupported group syntax (inline flags such as (?i) are not supported)", start);
    }
  }

  char peek_at(size_t ahead) const { return pos_ + ahead < p_.size() ? p_[pos_ + ahead] : '\0'; }

  void parse_group_name(size_t start) {
    const size_t from = pos_;
    while (!at_end() && peek() != '>') {
      const char c = peek();
      const bool ok = is_ascii_letter(c) || c == '_' || c == '$' ||
                      static_cast<unsigned char>(c) >= 0x80 || (pos_ > from && is_digit(c));
      if (!ok) fail("invalid group name", start);
      ++pos_;
    }
    if (at_end() || pos_ == from) fail("invalid group name", start);
    ++pos_;  // '>'
  }

  RegexNode parse_class() {
    const size_t start = pos_;
    ++pos_;  // '['
    const bool negate = !at_end() && peek() == '^';
    if (negate) ++pos_;
    CodePointSet set;
    for (;;) {
      if (at_end()) fail("unterminated character class", start);
      if (peek() == ']') break;
      if (at_posix_class()) {
        fail("POSIX class [:name:] is not supported (use \\d, \\w, \\s or a range)", pos_);
      }
      const ClassAtom lo = parse_class_atom();
      if (at_end() || peek() != '-' || pos_ + 1 >= p_.size() || p_[pos_ + 1] == ']') {
        set.add(lo.set);
        continue;
      }
      const size_t dash = pos_++;
      const ClassAtom hi = parse_class_atom();
      if (lo.is_class || hi.is_class) {  // Annex B: [\d-z] is \d, '-' and 'z'
        set.add(lo.set);
        set.add('-', '-');
        set.add(hi.set);
      } else if (hi.cp < lo.cp) {
        fail("character class range out of order", dash);
      } else {
        set.add(lo.cp, hi.cp);
      }
    }
    ++pos_;  // ']'
    RegexNode node = RegexNode::of_chars(negate ? set.complement() : set);
    node.offset = start;
    return node;
  }

  // "[:alpha:]" inside a class: POSIX syntax that ECMA-262 would read as the characters
  // "[:alph" and a stray ']', almost never what the author meant.
  bool at_posix_class() const {
    if (!rest_starts_with("[:")) return false;
    size_t i = pos_ + 2;
    while (i < p_.size() && is_ascii_letter(p_[i])) ++i;
    return i > pos_ + 2 && p_.substr(i).starts_with(":]");
  }

  ClassAtom parse_class_atom() {
    if (peek() == '\\') return parse_escape(/*in_class=*/true);
    return char_atom(next_code_point());
  }

  ClassAtom parse_escape(bool in_class) {
    const size_t start = pos_++;  // '\'
    escape_start_ = start;
    if (at_end()) fail("pattern ends with a lone '\\'", start);
    const char c = p_[pos_++];
    switch (c) {
      case 'd':
        return class_atom(ecma_digit());
      case 'D':
        return class_atom(ecma_digit().complement());
      case 'w':
        return class_atom(ecma_word());
      case 'W':
        return class_atom(ecma_word().complement());
      case 's':
        return class_atom(ecma_space());
      case 'S':
        return class_atom(ecma_space().complement());
      case 'n':
        return char_atom('\n');
      case 'r':
        return char_atom('\r');
      case 't':
        return char_atom('\t');
      case 'f':
        return char_atom('\f');
      case 'v':
        return char_atom('\v');
      case 'b':
        if (in_class) return char_atom('\b');  // [\b] is backspace
        fail("word boundary \\b is not supported", start);
      case 'B':
        fail("word boundary \\B is not supported", start);
      case '0':
        if (!at_end() && is_digit(peek())) fail("octal escape is not supported", start);
        return char_atom(0);
      case 'x':
        return char_atom(parse_hex(2));
      case 'u':
        return char_atom(parse_unicode_escape());
      case 'c':
        if (at_end() || !is_ascii_letter(peek())) fail("\\c must be followed by a letter", start);
        return char_atom(static_cast<uint32_t>(p_[pos_++]) % 32);
      case 'k':
        fail("backreference \\k<name> is not supported", start);
      case 'p':
      case 'P':
        fail("Unicode property escape \\p{...} is not supported", start);
      default:
        break;
    }
    if (is_digit(c)) fail(std::string("backreference \\") + c + " is not supported", start);
    if (is_ascii_letter(c)) fail(std::string("unknown escape \\") + c, start);
    --pos_;  // an escaped symbol (\. \/ \- ...) stands for itself
    return char_atom(next_code_point());
  }

  uint32_t parse_hex(int digits) {
    const size_t start = escape_start_;
    uint32_t value = 0;
    for (int i = 0; i < digits; ++i, ++pos_) {
      const int v = at_end() ? -1 : hex_value(peek());
      if (v < 0) fail("\\" + std::string(1, p_[start + 1]) + " needs hex digits", start);
      value = value * 16 + static_cast<uint32_t>(v);
    }
    return value;
  }

  // \uHHHH, a UTF-16 surrogate pair \uHHHH\uHHHH, or \u{H...}.
  uint32_t parse_unicode_escape() {
    const size_t start = escape_start_;
    if (!at_end() && peek() == '{') {
      ++pos_;
      uint32_t value = 0;
      const size_t from = pos_;
      for (; !at_end() && hex_value(peek()) >= 0; ++pos_) {
        value = std::min<uint32_t>(value * 16 + hex_value(peek()), CodePointSet::kLast + 1);
      }
      if (at_end() || peek() != '}' || pos_ == from) fail("\\u{ needs hex digits and '}'", start);
      if (value > CodePointSet::kLast) fail("code point above U+10FFFF", start);
      ++pos_;
      return value;
    }
    const uint32_t unit = parse_hex(4);
    const bool high = unit >= 0xD800 && unit <= 0xDBFF;
    if (!high || !rest_starts_with("\\u") || p_.size() - pos_ < 6) return unit;
    uint32_t low = 0;
    for (size_t i = 2; i < 6; ++i) {
      const int v = hex_value(p_[pos_ + i]);
      if (v < 0) return unit;  // not a pair: the next escape is read on its own
      low = low * 16 + static_cast<uint32_t>(v);
    }
    if (low < 0xDC00 || low > 0xDFFF) return unit;
    pos_ += 6;
    return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
  }

  uint32_t next_code_point() {
    const size_t start = pos_;
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(p_[i]); };
    const unsigned char lead = byte(pos_++);
    if (lead < 0x80) return lead;
    int extra = 0;
    uint32_t cp = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1, cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2, cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3, cp = lead & 0x07;
    } else {
      fail("invalid UTF-8", start);
    }
    for (int i = 0; i < extra; ++i, ++pos_) {
      if (at_end() || (byte(pos_) & 0xC0) != 0x80) fail("invalid UTF-8", start);
      cp = (cp << 6) | (byte(pos_) & 0x3F);
    }
    const uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[extra] || cp > CodePointSet::kLast || (cp >= 0xD800 && cp <= 0xDFFF)) {
      fail("invalid UTF-8", start);
    }
    return cp;
  }

  std::string_view p_;
  size_t pos_ = 0;
  size_t escape_start_ = 0;  // the '\' of the escape being read, for its errors
};

}  // namespace

RegexNode RegexNode::of_chars(CodePointSet set) {
  RegexNode node;
  node.kind = Kind::kChars;
  node.chars = std::move(set);
  return node;
}

// NOLINTNEXTLINE(bugprone-easily-swappable-parameters): min before max, as in {m,n}
RegexNode RegexNode::repeat(RegexNode child, int min, int max) {
  RegexNode node;
  node.kind = Kind::kRepeat;
  node.min = min;
  node.max = max;
  node.children.push_back(std::move(child));
  return node;
}

RegexNode RegexNode::list(Kind kind, std::vector<RegexNode> children) {
  RegexNode node;
  node.kind = kind;
  node.children = std::move(children);
  return node;
}

bool regex_nullable(const RegexNode& node) {
  const auto nullable = [](const RegexNode& child) { return regex_nullable(child); };
  switch (node.kind) {
    case Kind::kChars:
      return false;
    case Kind::kConcat:
      return std::all_of(node.children.begin(), node.children.end(), nullable);
    case Kind::kAlt:
      return std::any_of(node.children.begin(), node.children.end(), nullable);
    case Kind::kRepeat:
      return node.min == 0 || regex_nullable(node.children[0]);
    default:
      return true;
  }
}

bool regex_has_anchor(const RegexNode& node) {
  if (node.kind == Kind::kStart || node.kind == Kind::kEnd) return true;
  return std::any_of(node.children.begin(), node.children.end(),
                     [](const RegexNode& child) { return regex_has_anchor(child); });
}

RegexNode parse_regex(std::string_view pattern) { return Parser(pattern).parse(); }

std::string regex_error_message(std::string_view pattern, std::string_view what, size_t offset) {
  return "regex /" + std::string(pattern) + "/: " + std::string(what) + " at offset " +
         std::to_string(offset);
}

}  // namespace minke
