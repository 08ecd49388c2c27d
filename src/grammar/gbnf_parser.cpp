// GBNF parser: reads llama.cpp's grammar format (see grammar.h) into a GrammarBuilder.
// Repetition becomes helper rules: x* is R ::= x R | (empty), x{m,n} is m copies of x then
// nested optionals (x (x (x)?)?)? so that each count has exactly one parse.
#include <string>

#include "grammar/grammar.h"
#include "grammar/grammar_builder.h"
#include "minke/error.h"

namespace minke {

namespace {

using Sym = GrammarBuilder::Sym;
using Seq = GrammarBuilder::Seq;

// The most copies a bounded repetition may expand to.
constexpr int kMaxRepeat = 10000;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

class GbnfParser {
 public:
  explicit GbnfParser(std::string_view text) : text_(text) {}

  std::shared_ptr<const Grammar> parse(std::string_view root) {
    skip_space(true);
    while (!at_end()) {
      parse_rule();
      skip_space(true);
    }
    return builder_.build(root);
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  [[noreturn]] void fail(const std::string& what) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw Error("grammar " + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
  }

  // Spaces, tabs and comments; newlines too when `newlines` (inside parentheses, after ::= or |).
  void skip_space(bool newlines) {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  std::string parse_name() {
    const size_t start = pos_;
    while (!at_end() && is_name_char(peek())) ++pos_;
    if (pos_ == start) fail("expected a rule name");
    return std::string(text_.substr(start, pos_ - start));
  }

  void parse_rule() {
    const std::string name = parse_name();
    skip_space(false);
    if (text_.substr(pos_, 3) != "::=") fail("expected '::=' after rule name '" + name + "'");
    pos_ += 3;
    skip_space(true);
    const int32_t r = builder_.rule(name);
    std::vector<Seq> alternatives = parse_alternatives(name, false);
    if (!builder_.define(r, std::move(alternatives))) fail("rule '" + name + "' is defined twice");
    skip_space(false);
    if (!at_end() && peek() != '\n' && peek() != '\r') fail("unexpected character after rule");
  }

  std::vector<Seq> parse_alternatives(const std::string& rule_name, bool nested) {
    std::vector<Seq> alternatives;
    alternatives.push_back(parse_sequence(rule_name, nested));
    while (peek() == '|') {
      ++pos_;
      skip_space(true);
      alternatives.push_back(parse_sequence(rule_name, nested));
    }
    return alternatives;
  }

  Seq parse_sequence(const std::string& rule_name, bool nested) {
    Seq seq;
    size_t last_start = 0;  // where the last element's symbols begin in seq
    bool has_last = false;
    while (!at_end()) {
      const char c = peek();
      if (c == '"') {
        last_start = seq.size();
        ++pos_;
        parse_literal(seq);
      } else if (c == '[') {
        last_start = seq.size();
        ++pos_;
        seq.push_back(parse_class());
      } else if (c == '.') {
        last_start = seq.size();
        ++pos_;
        seq.push_back(builder_.code_points(normalize_code_points({}, true)));
      } else if (c == '(') {
        last_start = seq.size();
        ++pos_;
        skip_space(true);
        const int32_t r = builder_.helper_rule(rule_name);
        builder_.define(r, parse_alternatives(rule_name, true));
        if (peek() != ')') fail("expected ')'");
        ++pos_;
        seq.push_back({true, r});
      } else if (is_name_char(c)) {
        last_start = seq.size();
        seq.push_back({true, builder_.rule(parse_name())});
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        if (!has_last) fail(std::string("'") + c + "' must follow something to repeat");
        apply_repetition(seq, last_start, rule_name);
      } else {
        break;
      }
      has_last = true;
      skip_space(nested);
    }
    return seq;
  }

  int parse_int() {
    const size_t start = pos_;
    long v = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      if (v > kMaxRepeat) fail("repetition count above " + std::to_string(kMaxRepeat));
      ++pos_;
    }
    if (pos_ == start) fail("expected a number");
    return static_cast<int>(v);
  }

  // Replaces seq[last_start...] (the last element) by its repetition.
  void apply_repetition(Seq& seq, size_t last_start, const std::string& rule_name) {
    const Seq unit(seq.begin() + static_cast<ptrdiff_t>(last_start), seq.end());
    seq.resize(last_start);
    int min = 0, max = -1;  // max -1: unbounded
    const char op = peek();
    ++pos_;
    if (op == '+') {
      min = 1;
    } else if (op == '?') {
      max = 1;
    } else if (op == '{') {
      skip_space(false);
      if (peek() != ',') min = parse_int();
      skip_space(false);
      if (peek() == ',') {
        ++pos_;
        skip_space(false);
        if (peek() != '}') max = parse_int();
      } else {
        max = min;
      }
      skip_space(false);
      if (peek() != '}') fail("expected '}'");
      ++pos_;
      if (max >= 0 && max < min) fail("repetition {m,n} with n < m");
    }
    if (unit.size() * static_cast<size_t>(min) + seq.size() > GrammarBuilder::kMaxSymbols) {
      fail("repetition too large once expanded");
    }
    for (int i = 0; i < min; ++i) seq.insert(seq.end(), unit.begin(), unit.end());
    if (max < 0) {
      const int32_t star = builder_.helper_rule(rule_name);
      Seq loop = unit;
      loop.push_back({true, star});
      builder_.define(star, {loop, Seq{}});
      seq.push_back({true, star});
      return;
    }
    // (unit (unit (...)?)?)? for the max - min optional copies, innermost first.
    int32_t inner = -1;
    for (int i = 0; i < max - min; ++i) {
      const int32_t opt = builder_.helper_rule(rule_name);
      Seq body = unit;
      if (inner >= 0) body.push_back({true, inner});
      builder_.define(opt, {body, Seq{}});
      inner = opt;
    }
    if (inner >= 0) seq.push_back({true, inner});
  }

  uint32_t parse_hex(int digits) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      const char c = peek();
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        fail("expected " + std::to_string(digits) + " hex digits");
      }
      v = v * 16 + static_cast<uint32_t>(d);
      ++pos_;
    }
    if (v > kMaxCodePoint) fail("code point above U+10FFFF");
    return v;
  }

  // One character of a literal or class (escape or UTF-8), as a code point.
  uint32_t parse_char() {
    if (at_end()) fail("unexpected end of grammar");
    const auto c = static_cast<unsigned char>(peek());
    if (c == '\\') {
      ++pos_;
      const char e = peek();
      ++pos_;
      switch (e) {
        case 'x':
          return parse_hex(2);
        case 'u':
          return parse_hex(4);
        case 'U':
          return parse_hex(8);
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        case '\\':
        case '"':
        case '[':
        case ']':
        case '-':
        case '^':
        case '/':
          return static_cast<unsigned char>(e);
        default:
          --pos_;
          fail(std::string("unknown escape '\\") + e + "'");
      }
    }
    // Raw UTF-8: decode one code point.
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || pos_ + static_cast<size_t>(len) > text_.size()) fail("invalid UTF-8");
    uint32_t cp = len == 1 ? c : c & (0x3F >> (len - 1));
    for (int i = 1; i < len; ++i) {
      const auto cc = static_cast<unsigned char>(text_[pos_ + static_cast<size_t>(i)]);
      if ((cc & 0xC0) != 0x80) fail("invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    pos_ += static_cast<size_t>(len);
    return cp;
  }

  void parse_literal(Seq& seq) {
    while (peek() != '"') {
      if (at_end() || peek() == '\n') fail("unterminated string literal");
      builder_.append_code_point(parse_char(), seq);
    }
    ++pos_;
  }

  Sym parse_class() {
    bool negate = false;
    if (peek() == '^') {
      negate = true;
      ++pos_;
    }
    std::vector<CodePointRange> ranges;
    while (peek() != ']') {
      if (at_end() || peek() == '\n') fail("unterminated character class");
      const uint32_t lo = parse_char();
      uint32_t hi = lo;
      if (peek() == '-' && peek(1) != ']') {
        ++pos_;
        if (at_end() || peek() == '\n') fail("unterminated character class");
        hi = parse_char();
        if (hi < lo) fail("character range out of order");
      }
      ranges.push_back({lo, hi});
    }
    ++pos_;
    return builder_.code_points(normalize_code_points(std::move(ranges), negate));
  }

  std::string_view text_;
  size_t pos_ = 0;
  GrammarBuilder builder_;
};

}  // namespace

std::shared_ptr<const Grammar> compile_gbnf(std::string_view text, std::string_view root) {
  return GbnfParser(text).parse(root);
}

}  // namespace minke
