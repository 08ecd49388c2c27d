// Tests for the GBNF compiler and the byte-level matcher: syntax, repetition counts, UTF-8
// classes, tail calls, and the errors a user sees for bad grammars.
#include <gtest/gtest.h>

#include <string>

#include "grammar/dfa_cache.h"
#include "grammar/gbnf_writer.h"
#include "grammar/grammar.h"
#include "grammar/grammar_cache.h"
#include "grammar/grammar_matcher.h"
#include "grammar/utf8_ranges.h"
#include "minke/error.h"

namespace minke {
namespace {

bool matches(std::string_view gbnf, std::string_view text) {
  return grammar_matches(*compile_gbnf(gbnf), text);
}

std::string compile_error(std::string_view gbnf) {
  try {
    compile_gbnf(gbnf);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Grammar, LiteralsAndAlternatives) {
  const char* g = R"(root ::= "yes" | "no" | "maybe")";
  EXPECT_TRUE(matches(g, "yes"));
  EXPECT_TRUE(matches(g, "maybe"));
  EXPECT_FALSE(matches(g, "ye"));
  EXPECT_FALSE(matches(g, "yess"));
  EXPECT_FALSE(matches(g, ""));
}

TEST(Grammar, ClassesAndRepetition) {
  const char* g = "root ::= [a-c]+ [0-9]{2,3} x?\nx ::= \"!\"";
  EXPECT_TRUE(matches(g, "abc12"));
  EXPECT_TRUE(matches(g, "a123!"));
  EXPECT_FALSE(matches(g, "a1234"));
  EXPECT_FALSE(matches(g, "12"));
  EXPECT_FALSE(matches(g, "d12"));
  const char* exact = R"(root ::= "ab"{3})";
  EXPECT_TRUE(matches(exact, "ababab"));
  EXPECT_FALSE(matches(exact, "abab"));
  const char* at_most = R"(root ::= [q]{,2} ".")";
  EXPECT_TRUE(matches(at_most, "."));
  EXPECT_TRUE(matches(at_most, "qq."));
  EXPECT_FALSE(matches(at_most, "qqq."));
  const char* at_least = R"(root ::= "a"{2,} )";
  EXPECT_FALSE(matches(at_least, "a"));
  EXPECT_TRUE(matches(at_least, "aaaaaaa"));
}

TEST(Grammar, NegatedClassesAreOverCodePoints) {
  const char* g = R"(root ::= "\"" [^"\\]* "\"")";
  EXPECT_TRUE(matches(g, "\"h\xC3\xA9llo \xF0\x9F\x98\x80\""));  // é and an emoji
  EXPECT_FALSE(matches(g, "\"a\"b\""));
  EXPECT_FALSE(matches(g, "\"\xC3\""));          // a cut UTF-8 character
  EXPECT_FALSE(matches(g, "\"\xED\xA0\x80\""));  // an encoded surrogate
  EXPECT_TRUE(matches("root ::= .+", "\xE2\x82\xAC\n"));
  EXPECT_TRUE(matches(R"(root ::= [\u00E9-\u00EA] "\x41")",
                      "\xC3\xA9"
                      "A"));
}

TEST(Grammar, GroupsNewlinesAndComments) {
  const char* g = R"(# a comment
root ::= ( "a" | "b"
           "c" )* end  # trailing comment
end ::=
  "." |
  "!"
)";
  EXPECT_TRUE(matches(g, "abca."));
  EXPECT_TRUE(matches(g, "!"));
  EXPECT_FALSE(matches(g, "b."));
}

TEST(Grammar, RightRecursionKeepsTheStackFlat) {
  auto g = compile_gbnf("root ::= \"[\" items \"]\"\nitems ::= [0-9] items | ");
  GrammarMatcher m(g);
  ASSERT_TRUE(m.accept("["));
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(m.accept("7"));
  EXPECT_LT(m.stacks().n_nodes(), 16u);
  EXPECT_FALSE(m.can_end());
  ASSERT_TRUE(m.accept("]"));
  EXPECT_TRUE(m.can_end());
  EXPECT_TRUE(m.complete());
}

TEST(Grammar, NestedRecursion) {
  const char* g = R"(root ::= value
value ::= "[" ( value ( "," value )* )? "]" | [0-9])";
  EXPECT_TRUE(matches(g, "[[1,[2,3]],[],4]"));
  EXPECT_FALSE(matches(g, "[[1,[2,3],[],4]"));
  EXPECT_FALSE(matches(g, "[1,]"));
}

TEST(Grammar, ManyAlternativesStayFast) {
  std::string g = "root ::= ";
  for (int i = 0; i < 20000; ++i) g += (i ? " | \"v" : "\"v") + std::to_string(i) + "\"";
  const auto grammar = compile_gbnf(g);
  EXPECT_TRUE(grammar_matches(*grammar, "v19999"));
  EXPECT_TRUE(grammar_matches(*grammar, "v0"));
  EXPECT_FALSE(grammar_matches(*grammar, "v20000"));
}

TEST(Grammar, MatcherStepsAndRejects) {
  GrammarMatcher m(compile_gbnf(R"(root ::= "ab" "c"?)"));
  EXPECT_FALSE(m.can_end());
  EXPECT_TRUE(m.allows("ab"));
  EXPECT_FALSE(m.allows("abd"));
  EXPECT_FALSE(m.accept("x"));
  ASSERT_TRUE(m.accept("a"));
  ASSERT_TRUE(m.accept("b"));
  EXPECT_TRUE(m.can_end());
  EXPECT_FALSE(m.complete());
  ASSERT_TRUE(m.accept("c"));
  EXPECT_TRUE(m.complete());
  EXPECT_FALSE(m.allows("c"));
}

TEST(Grammar, ErrorsNameWhatAndWhere) {
  EXPECT_NE(compile_error("root ::= foo").find("'foo' is used but never defined"),
            std::string::npos);
  EXPECT_NE(compile_error("main ::= \"a\"").find("no rule named 'root'"), std::string::npos);
  EXPECT_NE(compile_error("root ::= root \"a\" | \"b\"").find("left recursion (root -> root)"),
            std::string::npos);
  EXPECT_NE(compile_error("root ::= x \"a\"\nx ::= y?\ny ::= root").find("left recursion"),
            std::string::npos);
  EXPECT_EQ(compile_error("root ::= \"abc"), "grammar 1:14: unterminated string literal");
  EXPECT_NE(compile_error("root ::= \"a\"\nroot ::= \"b\"").find("defined twice"),
            std::string::npos);
  EXPECT_NE(compile_error("root ::= [a-").find("unterminated character class"), std::string::npos);
  EXPECT_NE(compile_error("root ::= \"a\"{3,1}").find("n < m"), std::string::npos);
  EXPECT_NE(compile_error("root ::= *").find("must follow"), std::string::npos);
  EXPECT_NE(compile_error("root ::= \"\\q\"").find("unknown escape"), std::string::npos);
  EXPECT_NE(compile_error("root ::= \"a\"{99999}").find("above"), std::string::npos);
  EXPECT_NE(compile_error("root = \"a\"").find("expected '::='"), std::string::npos);
  EXPECT_NE(compile_error("root ::= \"" + std::string(300, 'x') + "\"{9999}").find("too large"),
            std::string::npos);
}

// Text without a marker: compared with std::string::find on every string of up to 7
// characters over the marker's own letters (where the KMP fall-backs matter) and one other.
TEST(Grammar, TextWithoutAMarker) {
  for (const std::string marker : {"</think>", "aab", "abab", "\xEF\xBD\x9Ctool"}) {
    GbnfWriter out;
    const std::string start = add_text_without(out, "free", marker);
    const auto g = compile_gbnf(out.text(), start);
    std::string alphabet = "x";
    for (const char c : marker) {
      if (alphabet.find(c) == std::string::npos && static_cast<unsigned char>(c) < 0x80)
        alphabet += c;
    }
    std::vector<std::string> texts = {"", marker, "x" + marker + "x",
                                      marker.substr(0, marker.size() - 1)};
    std::vector<std::string> frontier = {""};
    for (int len = 1; len <= 7; ++len) {
      std::vector<std::string> next;
      for (const std::string& t : frontier) {
        for (const char c : alphabet) next.push_back(t + c);
      }
      if (next.size() > 20000) break;
      texts.insert(texts.end(), next.begin(), next.end());
      frontier = std::move(next);
    }
    for (const std::string& t : texts) {
      ASSERT_EQ(grammar_matches(*g, t), t.find(marker) == std::string::npos)
          << marker << " / " << t;
    }
  }
}

// The DFA cache gives the states the matcher computes, remembers transitions, and is trimmed
// only once it is large.
TEST(DfaCache, StepsAsTheMatcherAdvances) {
  auto g = compile_gbnf(R"(root ::= "[" ( [0-9]+ ( "," [0-9]+ )* )? "]")");
  GrammarStacks stacks(g);
  DfaCache dfa(stacks);
  const int32_t start = dfa.intern(stacks.initial());
  ASSERT_NE(start, DfaCache::kDead);
  EXPECT_EQ(dfa.step(start, 'x'), DfaCache::kDead);
  int32_t s = start;
  MatchState direct = stacks.initial();
  for (const char c : std::string("[12,3]")) {
    s = dfa.step(s, static_cast<uint8_t>(c));
    ASSERT_NE(s, DfaCache::kDead);
    ASSERT_TRUE(stacks.advance_all(direct, std::string_view(&c, 1)));
    EXPECT_EQ(dfa.state(s), direct);
  }
  EXPECT_TRUE(dfa.state(s).accepting);
  const size_t known = dfa.size();
  EXPECT_EQ(dfa.step(dfa.step(start, '['), '7'), dfa.step(dfa.step(start, '['), '7'));
  EXPECT_LE(dfa.size(), known + 1);  // remembered, not recomputed
  EXPECT_FALSE(dfa.trim());          // small: kept
}

TEST(GrammarCache, CompilesOnceAndDoesNotCacheFailures) {
  GrammarCache cache(2);
  const auto a = cache.get("root ::= \"a\"", "root");
  EXPECT_EQ(cache.get("root ::= \"a\"", "root"), a);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_THROW(cache.get("root ::= b", "root"), Error);
  EXPECT_THROW(cache.get("root ::= b", "root"), Error);
  EXPECT_EQ(cache.misses(), 3u);
  cache.get("x ::= \"b\"", "x");
  cache.get("y ::= \"c\"", "y");  // capacity 2: the first one goes
  EXPECT_NE(cache.get("root ::= \"a\"", "root"), a);
}

// Every code point's UTF-8 encoding is matched by the sequences of a range that holds it and
// by no sequence of the complement.
TEST(Utf8Ranges, SequencesMatchExactlyTheEncodings) {
  const std::vector<CodePointRange> set = normalize_code_points(
      {{0x41, 0x5A}, {0x7F, 0x801}, {0xFFF0, 0x10010}, {0xD7FF, 0xE000}}, false);
  const auto in = utf8_sequences(set);
  const auto out = utf8_sequences(normalize_code_points(set, true));
  auto covered = [](const std::vector<ByteRangeSeq>& seqs, const std::vector<uint8_t>& bytes) {
    int hits = 0;
    for (const ByteRangeSeq& s : seqs) {
      if (s.size() != bytes.size()) continue;
      bool ok = true;
      for (size_t i = 0; i < s.size(); ++i)
        ok = ok && bytes[i] >= s[i].first && bytes[i] <= s[i].second;
      hits += ok;
    }
    return hits;
  };
  for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x20000 ? 1 : 97)) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::vector<uint8_t> bytes;
    append_utf8(cp, bytes);
    bool member = false;
    for (const CodePointRange& r : set) member = member || (cp >= r.lo && cp <= r.hi);
    ASSERT_EQ(covered(in, bytes), member ? 1 : 0) << std::hex << cp;
    ASSERT_EQ(covered(out, bytes), member ? 0 : 1) << std::hex << cp;
  }
}

}  // namespace
}  // namespace minke
