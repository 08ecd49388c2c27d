// regex -> GBNF checked against an independent implementation: for each pattern, strings
// sampled from the pattern, mutated and random are matched by the compiled grammar and by
// std::regex (ECMAScript), in whole-text, search and JSON-string modes. ASCII only.
#include <gtest/gtest.h>

#include <random>
// g++ 12 reports false -Wmaybe-uninitialized positives inside libstdc++'s <regex>.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <set>
#include <string>
#include <vector>

#include "grammar/grammar.h"
#include "grammar/regex_parser.h"
#include "grammar/regex_to_gbnf.h"

namespace minke {
namespace {

// Patterns within what both std::regex and regex_to_gbnf accept.
const char* const kPatterns[] = {
    "abc",
    "a|b|cd",
    "[a-c]+x?",
    "^[0-9]{2,4}$",
    R"(\d+(\.\d+)?)",
    "(ab|a)*b",
    "[^a-c]*",
    R"(\w+@\w+\.(com|org))",
    R"(^\s*\S+\s*$)",
    "a{2}b{1,}c{0,2}",
    "(a|b)*?c+?",
    "(?:x|y)+z",
    "^(a*)*$",
    "(a?b?)+c",
    R"([\d\-]+)",
    R"(\W\D\S)",
    R"(^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$)",
    ".a.",
    R"([.]\.)",
    R"(^\+?[0-9 ()-]{3,6}$)",
    "^(ab)?$|^c",
    "x$|^y",
    R"([a\]b]+)",
    "a{0}b",
    "(a|)+b",
    R"(\x41\u0042[\x30-\x39])",
    R"("[^"\\]*")",
    R"(\\n|\n|\t)",
    "^[A-Z][a-z]*( [A-Z][a-z]*)*$",
    "(((a)b)c|d)+",
    R"([^\n]+$)",
    "a{3,5}?",
    "^$",
    "",
    R"(\s\v\f\r)",
    ".+",
    R"([^"]+)",
    R"([^\\a]*)",
    R"([\x00-\x1f]+x)",
    // Shapes JSON Schemas use.
    R"(^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$)",
    R"(^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$)",
    R"(^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$)",
    R"(^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$)",
    R"(^#?([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$)",
    R"(^(\([0-9]{3}\))?[0-9]{3}-[0-9]{4}$)",
    "^[^@]+@[^@]+$",
};

// Characters the random strings are drawn from, besides the pattern's own.
constexpr std::string_view kExtraChars = "abcxyz019 -.\"\\\n\r\t\b\f\x01\x1f@A_";

std::string sample(const RegexNode& node, std::mt19937& rng) {
  std::string out;
  switch (node.kind) {
    case RegexNode::Kind::kChars: {
      const CodePointSet ascii = node.chars.intersect(CodePointSet::range(0, 0x7F));
      if (ascii.empty()) return out;
      const auto& ranges = ascii.ranges();
      const auto& [lo, hi] = ranges[rng() % ranges.size()];
      // Half the time a range's edge or the character just past it: off-by-one errors show.
      const uint32_t edges[] = {lo, hi, lo == 0 ? lo : lo - 1, hi == 0x7F ? hi : hi + 1};
      out += static_cast<char>(rng() % 2 ? lo + rng() % (hi - lo + 1) : edges[rng() % 4]);
      return out;
    }
    case RegexNode::Kind::kConcat:
      for (const RegexNode& child : node.children) out += sample(child, rng);
      return out;
    case RegexNode::Kind::kAlt:
      return sample(node.children[rng() % node.children.size()], rng);
    case RegexNode::Kind::kRepeat: {
      const int most =
          node.max == kRegexUnbounded ? node.min + 3 : std::min(node.max, node.min + 3);
      const int count = node.min + static_cast<int>(rng() % (most - node.min + 1));
      for (int i = 0; i < count; ++i) out += sample(node.children[0], rng);
      return out;
    }
    default:
      return out;
  }
}

// Samples of the pattern (near misses included), each mutated (a character inserted, dropped or
// replaced), random strings, and the empty string.
std::vector<std::string> test_strings(std::string_view pattern, std::mt19937& rng) {
  const RegexNode tree = parse_regex(pattern);
  std::string alphabet(kExtraChars);
  for (const char c : pattern) alphabet += c;
  const auto any_char = [&] { return alphabet[rng() % alphabet.size()]; };
  std::set<std::string> out{""};
  for (int i = 0; i < 40; ++i) {
    std::string s = sample(tree, rng);
    out.insert(s);
    const size_t at = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 3) {
      case 0:
        s.insert(s.begin() + static_cast<ptrdiff_t>(at), any_char());
        break;
      case 1:
        if (!s.empty()) s.erase(at, 1);
        break;
      default:
        if (!s.empty()) s[at] = any_char();
    }
    out.insert(s);
  }
  for (int i = 0; i < 20; ++i) {
    std::string s(rng() % 7, ' ');
    for (char& c : s) c = any_char();
    out.insert(s);
  }
  return {out.begin(), out.end()};
}

// The text JSON writes between a string's quotes, in the canonical form the grammar expects.
std::string json_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char* const kHex = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += c;
    }
  }
  return out;
}

struct Mode {
  const char* name;
  RegexToGbnfOptions options;
};

TEST(RegexToGbnfOracle, AgreesWithStdRegex) {
  const Mode modes[] = {{"whole", {}},
                        {"search", {.search = true}},
                        {"json", {.json_string = true}},
                        {"json search", {.search = true, .json_string = true}}};
  std::mt19937 rng(1234);
  int checked = 0;
  int matched = 0;
  for (const char* pattern : kPatterns) {
    const std::regex oracle(pattern, std::regex::ECMAScript);
    const std::vector<std::string> strings = test_strings(pattern, rng);
    for (const Mode& mode : modes) {
      GbnfWriter out;
      const std::string root = regex_to_gbnf(pattern, out, "re", mode.options);
      const auto grammar = compile_gbnf(out.text(), root);
      for (const std::string& s : strings) {
        const bool expected =
            mode.options.search ? std::regex_search(s, oracle) : std::regex_match(s, oracle);
        const std::string text = mode.options.json_string ? json_escape(s) : s;
        EXPECT_EQ(grammar_matches(*grammar, text), expected)
            << "pattern /" << pattern << "/ (" << mode.name << ") on \"" << text << "\"\n"
            << out.text();
        ++checked;
        matched += expected;
      }
    }
  }
  // The samples must exercise both answers, or the comparison proves little.
  EXPECT_GT(checked, 2000);
  EXPECT_GT(matched, checked / 4);
  EXPECT_LT(matched, checked * 3 / 4);
}

}  // namespace
}  // namespace minke
