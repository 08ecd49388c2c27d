// Tests for regex -> GBNF: the GBNF written, the errors a user sees, and the language of the
// compiled grammar (compile_gbnf + grammar_matches) in whole-text, search and JSON-string modes.
#include "grammar/regex_to_gbnf.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>

#include "grammar/grammar.h"
#include "minke/error.h"

namespace minke {
namespace {

constexpr RegexToGbnfOptions kWhole{};
constexpr RegexToGbnfOptions kSearch{.search = true};
constexpr RegexToGbnfOptions kJson{.json_string = true};
constexpr RegexToGbnfOptions kJsonSearch{.search = true, .json_string = true};

// The top rule's body, for a pattern that needs no helper rules.
std::string body(std::string_view pattern, const RegexToGbnfOptions& options = kWhole) {
  GbnfWriter out;
  const std::string name = regex_to_gbnf(pattern, out, "re", options);
  const std::string text = out.text();
  const std::string prefix = name + " ::= ";
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return "<no rule " + name + ">";
  const size_t from = at + prefix.size();
  return text.substr(from, text.find('\n', from) - from);
}

std::string error(std::string_view pattern, const RegexToGbnfOptions& options = kWhole) {
  GbnfWriter out;
  try {
    regex_to_gbnf(pattern, out, "re", options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A compiled pattern; checks are by exact text.
class Re {
 public:
  explicit Re(std::string_view pattern, const RegexToGbnfOptions& options = kWhole) {
    GbnfWriter out;
    const std::string name = regex_to_gbnf(pattern, out, "re", options);
    gbnf_ = out.text();
    grammar_ = compile_gbnf(gbnf_, name);
  }
  bool operator()(std::string_view text) const { return grammar_matches(*grammar_, text); }
  const std::string& gbnf() const { return gbnf_; }

 private:
  std::string gbnf_;
  std::shared_ptr<const Grammar> grammar_;
};

// Every text in `yes` matches and none in `no` does.
void expect_language(const Re& re, std::initializer_list<std::string_view> yes,
                     std::initializer_list<std::string_view> no) {
  for (const std::string_view text : yes) EXPECT_TRUE(re(text)) << text << "\n" << re.gbnf();
  for (const std::string_view text : no) EXPECT_FALSE(re(text)) << text << "\n" << re.gbnf();
}

TEST(RegexToGbnf, WritesCompactGbnf) {
  EXPECT_EQ(body("abc"), R"("abc")");
  EXPECT_EQ(body("a|b|c|xy"), R"([a-c] | "xy")");
  EXPECT_EQ(body("[^a]"), "[^a]");
  EXPECT_EQ(body("."), R"([^\x0A\x0D\u2028\u2029])");
  EXPECT_EQ(body(R"([\s\S])"), ".");
  EXPECT_EQ(body(R"(\d{2,4}-\w+)"), R"([0-9]{2,4} "-" [0-9A-Z_a-z]+)");
  EXPECT_EQ(body("(ab)*c?d{3}e{2,}"), R"("ab"* "c"? "d"{3} "e"{2,})");
  EXPECT_EQ(body("(a{2}){3}"), R"(("a"{2}){3})");
  EXPECT_EQ(body("(?:a|bc)+?"), R"(("a" | "bc")+)");
  EXPECT_EQ(body("^abc$"), R"("abc")");
  EXPECT_EQ(body("a{0}"), R"("")");
  EXPECT_EQ(body(""), R"("")");
}

TEST(RegexToGbnf, SearchModeAddsAnyStringWhereUnanchored) {
  EXPECT_EQ(body("abc", kSearch), R"(.* "abc" .*)");
  EXPECT_EQ(body("^abc", kSearch), R"("abc" .*)");
  EXPECT_EQ(body("abc$", kSearch), R"(.* "abc")");
  EXPECT_EQ(body("^abc$", kSearch), R"("abc")");
  EXPECT_EQ(body("^a|b$", kSearch), R"("a" .* | .* "b")");
  EXPECT_EQ(body("", kSearch), ".*");
}

TEST(RegexToGbnf, JsonStringModeWritesEscapedForms) {
  EXPECT_EQ(body(R"(^a"b\\c$)", kJson), R"("a\\\"b\\\\c")");
  EXPECT_EQ(body(R"(\n\t\x01)", kJson), R"("\\n\\t\\u0001")");
  EXPECT_EQ(body("[^a]", kJson),
            R"([^\x00-\x1F"\\a] | "\\" (["\\bfnrt] | "u000" [0-7bef] | "u001" [0-9a-f]))");
  EXPECT_EQ(body(R"(["\n]+)", kJson), R"(("\\" ["n])+)");
  EXPECT_EQ(body("[a-z/é]", kJson), R"([/a-z\xE9])");
  GbnfWriter out;
  EXPECT_EQ(regex_to_gbnf("x", out, "s", kJsonSearch), "s");
  EXPECT_EQ(out.text(),
            "regex-json-char ::= [^\\x00-\\x1F\"\\\\] | \"\\\\\" ([\"\\\\bfnrt] | \"u000\" "
            "[0-7bef] | \"u001\" [0-9a-f])\ns ::= regex-json-char* \"x\" regex-json-char*\n");
}

TEST(RegexToGbnf, RuleNamesAreUniqueAndSharedHelpersReused) {
  GbnfWriter out;
  EXPECT_EQ(regex_to_gbnf("a", out, "pattern"), "pattern");
  EXPECT_EQ(regex_to_gbnf("b", out, "pattern"), "pattern-2");
  EXPECT_EQ(regex_to_gbnf("a", out, "pattern"), "pattern");
  regex_to_gbnf("x", out, "p1", kJsonSearch);
  regex_to_gbnf("y", out, "p2", kJsonSearch);
  const std::string text = out.text();
  EXPECT_EQ(text.find("regex-json-char-2"), std::string::npos) << text;
}

TEST(RegexToGbnf, UnsupportedFeaturesAreNamed) {
  EXPECT_EQ(error(R"((a)\1)"), R"(regex /(a)\1/: backreference \1 is not supported at offset 3)");
  EXPECT_EQ(error(R"((?<x>a)\k<x>)"),
            R"(regex /(?<x>a)\k<x>/: backreference \k<name> is not supported at offset 7)");
  EXPECT_EQ(error("a(?=b)"), "regex /a(?=b)/: lookahead (?= or (?! is not supported at offset 1");
  EXPECT_EQ(error("(?!b)"), "regex /(?!b)/: lookahead (?= or (?! is not supported at offset 0");
  EXPECT_EQ(error("(?<=a)b"),
            "regex /(?<=a)b/: lookbehind (?<= or (?<! is not supported at offset 0");
  EXPECT_EQ(error("(?<!a)b"),
            "regex /(?<!a)b/: lookbehind (?<= or (?<! is not supported at offset 0");
  EXPECT_EQ(error(R"(\bword)"), R"(regex /\bword/: word boundary \b is not supported at offset 0)");
  EXPECT_EQ(error(R"(a\B)"), R"(regex /a\B/: word boundary \B is not supported at offset 1)");
  EXPECT_EQ(error(R"(\p{L})"),
            R"(regex /\p{L}/: Unicode property escape \p{...} is not supported at offset 0)");
  EXPECT_EQ(error("(?i)a"),
            "regex /(?i)a/: unsupported group syntax (inline flags such as (?i) are not "
            "supported) at offset 0");
  EXPECT_EQ(error("(?>a)"), "regex /(?>a)/: atomic group (?> is not supported at offset 0");
  EXPECT_EQ(error("a*+"),
            "regex /a*+/: quantifier after a quantifier (possessive quantifiers are not "
            "supported) at offset 2");
  EXPECT_EQ(error("[[:alpha:]]"),
            "regex /[[:alpha:]]/: POSIX class [:name:] is not supported (use \\d, \\w, \\s or a "
            "range) at offset 1");
  EXPECT_EQ(error("a^b"),
            "regex /a^b/: ^ anchor that does not begin the match is not supported at offset 1");
  EXPECT_EQ(error("a$b"),
            "regex /a$b/: $ anchor that does not end the match is not supported at offset 1");
  EXPECT_EQ(error("(^a)*"),
            "regex /(^a)*/: anchor inside a repeated group is not supported at offset 4");
}

TEST(RegexToGbnf, SyntaxErrorsGiveTheOffset) {
  EXPECT_EQ(error("a{2000}"),
            "regex /a{2000}/: repetition count 2000 exceeds the limit of 1000 at offset 1");
  EXPECT_EQ(error("a{1,99999999999}"),
            "regex /a{1,99999999999}/: repetition count 2147483647 exceeds the limit of 1000 at "
            "offset 1");
  EXPECT_EQ(error("a{3,2}"), "regex /a{3,2}/: repetition {m,n} with n < m at offset 1");
  EXPECT_EQ(error("*a"), "regex /*a/: nothing to repeat at offset 0");
  EXPECT_EQ(error("a|?"), "regex /a|?/: nothing to repeat at offset 2");
  EXPECT_EQ(error("{2}"), "regex /{2}/: nothing to repeat at offset 0");
  EXPECT_EQ(error("^*"), "regex /^*/: nothing to repeat (quantifier after an anchor) at offset 1");
  EXPECT_EQ(error("(ab"), "regex /(ab/: missing ')' for the group at offset 0");
  EXPECT_EQ(error("ab)"), "regex /ab)/: unmatched ')' at offset 2");
  EXPECT_EQ(error("[ab"), "regex /[ab/: unterminated character class at offset 0");
  EXPECT_EQ(error("[z-a]"), "regex /[z-a]/: character class range out of order at offset 2");
  EXPECT_EQ(error("ab\\"), "regex /ab\\/: pattern ends with a lone '\\' at offset 2");
  EXPECT_EQ(error(R"(\q)"), R"(regex /\q/: unknown escape \q at offset 0)");
  EXPECT_EQ(error(R"(\x4)"), R"(regex /\x4/: \x needs hex digits at offset 0)");
  EXPECT_EQ(error(R"(\u12G4)"), R"(regex /\u12G4/: \u needs hex digits at offset 0)");
  EXPECT_EQ(error(R"(\u{110000})"), R"(regex /\u{110000}/: code point above U+10FFFF at offset 0)");
  EXPECT_EQ(error(R"(\01)"), R"(regex /\01/: octal escape is not supported at offset 0)");
  EXPECT_EQ(error("(?<1x>a)"), "regex /(?<1x>a)/: invalid group name at offset 0");
  EXPECT_EQ(error("a\xC3("), "regex /a\xC3(/: invalid UTF-8 at offset 1");
  EXPECT_EQ(error("[]"), "regex /[]/: the pattern matches no string");
  EXPECT_EQ(error(R"([^\s\S]+|[]{1,})"),
            R"(regex /[^\s\S]+|[]{1,}/: the pattern matches no string)");
}

TEST(RegexToGbnf, LiteralsClassesAndEscapes) {
  expect_language(Re(R"(a\.b\*\(\)\[\]\{\}\|\?\+\^\$\\\/-)"), {R"(a.b*()[]{}|?+^$\/-)"},
                  {"axb*()[]{}|?+^$\\/-"});
  expect_language(Re("[a-cx-z0-2_]+"), {"abc", "zyx_012", "_"}, {"", "d", "3", "abC"});
  expect_language(Re("[^a-c]"), {"d", "\n", "\xC3\xA9", "\xF0\x9F\x98\x80"}, {"a", "b", "", "dd"});
  expect_language(Re(R"([\d\s-]+)"), {"12 -3", "\t\n", "-"}, {"a", "1a"});
  expect_language(Re(R"(\D\W\S)"), {"a!x", "_ ."}, {"1!x", "a_x", "a! "});
  expect_language(Re(R"(\w+)"), {"abc_XYZ_019"}, {"a-b", "\xC3\xA9"});
  expect_language(Re(R"(\n\r\t\f\v\0)"), {std::string_view("\n\r\t\f\v\0", 6)}, {"\n\r\t\f\v"});
  expect_language(Re(R"(\x41\u0042\u{43}\cJ[\b])"), {"ABC\n\b"}, {"ABC\n"});
  expect_language(Re(R"([\d-z]+)"), {"1-z", "z"}, {"a", "y"});  // Annex B: \d, '-' and 'z'
  expect_language(Re("[-a]+[a-]+"), {"-a-", "a-"}, {"b"});
  expect_language(Re("a{,2}x{"), {"a{,2}x{"}, {"aax", "x"});  // not quantifiers: literals
  EXPECT_EQ(error("[]a]"), "regex /[]a]/: the pattern matches no string");  // [] is empty
  expect_language(Re("[^]a]"), {"xa]", "]a]"}, {"a", "xa"});                // [^] is any char
}

TEST(RegexToGbnf, DotExcludesLineTerminators) {
  expect_language(Re("a.c"),
                  {"abc", "a c",
                   "a\xC3\xA9"
                   "c",
                   "a\x7F"
                   "c"},
                  {"ac", "a\nc", "a\rc",
                   "a\xE2\x80\xA8"
                   "c",
                   "a\xE2\x80\xA9"
                   "c"});
}

TEST(RegexToGbnf, UnicodeSpacesAndNonAscii) {
  const Re space(R"(\s)");
  for (const char* s : {" ", "\t", "\n", "\v", "\f", "\r", "\xC2\xA0", "\xE1\x9A\x80",
                        "\xE2\x80\x80", "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9",
                        "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80", "\xEF\xBB\xBF"}) {
    EXPECT_TRUE(space(s)) << s;
  }
  expect_language(space, {}, {"a", "\xE2\x80\x8B", "\x1C", "\xC2\x85"});  // ZWSP, FS, NEL
  expect_language(Re(R"(\S+)"), {"ab\xC3\xA9"}, {"a\xC2\xA0"});
  expect_language(Re("caf\xC3\xA9|\xE2\x82\xAC+|[\xC3\xA0-\xC3\xBF]"),
                  {"caf\xC3\xA9", "\xE2\x82\xAC\xE2\x82\xAC", "\xC3\xA0", "\xC3\xBF"},
                  {"cafe", "", "\xC3\x9F", "\xC3\xA9\xC3\xA9"});
  expect_language(Re(R"(\u00e9\uD83D\uDE00[\u{1F600}-\u{1F64F}])"),
                  {"\xC3\xA9\xF0\x9F\x98\x80\xF0\x9F\x99\x8F"}, {"\xC3\xA9\xF0\x9F\x98\x80"});
  expect_language(Re("[^\xF0\x9F\x98\x80]"), {"a", "\xF0\x9F\x98\x81"}, {"\xF0\x9F\x98\x80"});
}

TEST(RegexToGbnf, QuantifierBounds) {
  const Re re("a{2,4}b{3}c{2,}d?e*f+");
  expect_language(
      re, {"aabbbccf", "aaaabbbcccccdeeeff"},
      {"abbbccf", "aaaaabbbccf", "aabbccf", "aabbbbccf", "aabbbcf", "aabbbccddf", "aabbbcc"});
  const Re lazy("a{2,3}?b+?c??d*?");
  expect_language(lazy, {"aab", "aaabbbcddd"}, {"ab", "aaaab", "aabcc"});
  const Re big("x{1000}");
  EXPECT_TRUE(big(std::string(1000, 'x')));
  EXPECT_FALSE(big(std::string(999, 'x')));
  EXPECT_FALSE(big(std::string(1001, 'x')));
  const Re range("[0-9]{0,1000}");
  EXPECT_TRUE(range(std::string(1000, '7')));
  EXPECT_FALSE(range(std::string(1001, '7')));
}

TEST(RegexToGbnf, NestedGroupsAndAlternation) {
  expect_language(Re("((a|b)(c|d))+|x(y(z)?)*"), {"ac", "bdac", "x", "xyyz", "xyzy"},
                  {"", "a", "acb", "xz", "xyzz"});
  expect_language(Re("(?<year>\\d{4})-(?P<month>0[1-9]|1[0-2])"), {"2024-01", "1999-12"},
                  {"2024-13", "2024-00", "24-01"});
  expect_language(Re("a(|b)c"), {"ac", "abc"}, {"abbc"});
}

TEST(RegexToGbnf, RepeatedEmptyMatchesAreNotLeftRecursive) {
  expect_language(Re("(a*)*b"), {"b", "aaab"}, {"a", "ba"});
  expect_language(Re("(a?b?)+c"), {"c", "abbac", "bbbc"}, {"cc"});
  expect_language(Re("(a|)+"), {"", "aaa"}, {"b"});
  expect_language(Re("((a?)(b*)){2,5}"), {"", "abababab", "bbbbbbb"}, {"aaaaaa"});
  expect_language(Re("(a*b*){3}c"), {"c", "ababac"}, {"ababababc"});
  expect_language(Re("(|){3}x(){2,}"), {"x"}, {""});
  expect_language(Re("(a+)+b"), {"ab", "aaaab"}, {"b"});
}

TEST(RegexToGbnf, AnchorsInWholeTextMode) {
  expect_language(Re("^abc$"), {"abc"}, {"abcd", "xabc"});
  expect_language(Re("^(a|b)$|^c$"), {"a", "b", "c"}, {"ab", ""});
  expect_language(Re("^$"), {""}, {"a"});
}

TEST(RegexToGbnf, SearchMode) {
  expect_language(Re("abc", kSearch), {"abc", "xxabcyy", "abcabc", "\nabc\n"}, {"ab", "acb", ""});
  expect_language(Re("^abc", kSearch), {"abc", "abcdef"}, {"xabc"});
  expect_language(Re("abc$", kSearch), {"abc", "xxabc"}, {"abcx"});
  expect_language(Re("^abc$", kSearch), {"abc"}, {"abcabc", "xabc"});
  expect_language(Re("^a|b$", kSearch), {"a", "axx", "xxb", "b"}, {"xa", "bx"});
  expect_language(Re("(^x|y)z", kSearch), {"xz", "xzq", "qyz", "yzq"}, {"qxz"});
  expect_language(Re("", kSearch), {"", "anything \xC3\xA9"}, {});
  expect_language(Re("^$", kSearch), {""}, {"a"});
  expect_language(Re(R"(^\d+$)", kSearch), {"123"}, {"12a", " 1"});
  expect_language(Re("a*", kSearch), {"", "bbb"}, {});
}

TEST(RegexToGbnf, JsonStringModeMatchesEscapedText) {
  expect_language(Re(R"(^a"b$)", kJson), {R"(a\"b)"}, {R"(a"b)", R"(a\u0022b)"});
  expect_language(Re(R"(^a\\b$)", kJson), {R"(a\\b)"}, {R"(a\b)"});
  expect_language(Re(R"(^\n\t\x01\x1F$)", kJson), {R"(\n\t\u0001\u001f)"},
                  {"\n\t\x01\x1F", R"(\u000a\t\u0001\u001f)", R"(\n\t\u0001\u001F)"});
  expect_language(Re("[^a]", kJson),
                  {"b", R"(\")", R"(\\)", R"(\n)", R"(\u0000)", R"(\u001f)", "\xC3\xA9", "/"},
                  {"a", "\"", "\\", "\n", R"(\/)", R"(\u0061)", R"(\u00e9)", R"(\x)"});
  expect_language(Re(".", kJson), {R"(\t)", "\x7F", R"(\u000b)"}, {R"(\n)", R"(\r)"});
  expect_language(Re(R"(\s+)", kJson), {R"( \t\n\r\f\u000b)", "\xC2\xA0"}, {R"(\b)", "\t"});
  expect_language(Re("a.*z", kJsonSearch), {R"(xa\"\\\tz!)", "az"}, {R"(a"z)", R"(a\z)"});
  expect_language(Re(R"(^[^"]*$)", kJsonSearch), {"abc", R"(\\\n)"}, {R"(a\"b)"});
}

TEST(RegexToGbnf, LongTextsInSearchMode) {
  const Re re("needle[0-9]+", kSearch);
  const std::string hay(20000, 'h');
  EXPECT_TRUE(re(hay + "needle42" + hay));
  EXPECT_FALSE(re(hay + "needle" + hay));
  const Re json(R"(^[^"]*$)", kJsonSearch);
  EXPECT_TRUE(json(hay + R"(\\)" + hay));
  EXPECT_FALSE(json(hay + R"(\")" + hay));
}

}  // namespace
}  // namespace minke
