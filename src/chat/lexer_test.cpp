// Lexer: tokens, whitespace control and trim/lstrip behaviour.
#include "chat/lexer.h"

#include <gtest/gtest.h>

#include "chat/template_error.h"

namespace minke::chat {
namespace {

std::string data_of(const std::vector<Token>& toks) {
  std::string out;
  for (const auto& t : toks)
    if (t.type == TokenType::kData) out += "[" + t.value + "]";
  return out;
}

TEST(ChatLexer, SplitsDataAndTags) {
  auto toks = tokenize("a{{ x|upper }}b{% if y %}c{% endif %}");
  ASSERT_EQ(toks.front().type, TokenType::kData);
  EXPECT_EQ(toks[1].type, TokenType::kVarBegin);
  EXPECT_EQ(toks[2].value, "x");
  EXPECT_EQ(toks[3].value, "|");
  EXPECT_EQ(toks.back().type, TokenType::kEof);
  EXPECT_EQ(data_of(toks), "[a][b][c]");
}

TEST(ChatLexer, TrimBlocksAndLstripBlocks) {
  // lstrip removes the indentation before {%, trim_blocks the newline after %}.
  EXPECT_EQ(data_of(tokenize("a\n  {% if x %}\nb\n  {% endif %}\nc")), "[a\n][b\n][c]");
  // {{ }} is not a block: neither rule applies.
  EXPECT_EQ(data_of(tokenize("a\n  {{ x }}\nb")), "[a\n  ][\nb]");
  // {%+ keeps the indentation; +%} keeps the newline.
  EXPECT_EQ(data_of(tokenize("a\n  {%+ if x +%}\nb")), "[a\n  ][\nb]");
}

TEST(ChatLexer, MinusStripsAllWhitespace) {
  EXPECT_EQ(data_of(tokenize("a \n\t{{- x -}} \n b")), "[a][b]");
  EXPECT_EQ(data_of(tokenize("a \n{#- c -#}\n b")), "[a][b]");
}

TEST(ChatLexer, DropsOneTrailingNewlineAndNormalizesCrLf) {
  EXPECT_EQ(data_of(tokenize("a\r\nb\n\n")), "[a\nb\n]");
}

TEST(ChatLexer, StringEscapesAndNumbers) {
  auto toks = tokenize(R"({{ 'a\n\'b\u00e9' ~ "x\\y" ~ 1_000 ~ 2.5e3 }})");
  EXPECT_EQ(toks[1].value, "a\n'b\xc3\xa9");
  EXPECT_EQ(toks[3].value, "x\\y");
  EXPECT_EQ(toks[5].type, TokenType::kInteger);
  EXPECT_EQ(toks[5].value, "1000");
  EXPECT_EQ(toks[7].type, TokenType::kFloat);
}

TEST(ChatLexer, RawBlockIsData) {
  EXPECT_EQ(data_of(tokenize("{% raw %}{{ not parsed }}{% endraw %}")), "[{{ not parsed }}]");
}

TEST(ChatLexer, ErrorsNameLineAndColumn) {
  try {
    tokenize("ok\n  {{ 'unterminated }}");
    FAIL() << "expected an error";
  } catch (const TemplateError& e) {
    EXPECT_STREQ(e.what(), "chat template 2:6: unexpected end of string");
  }
  EXPECT_THROW(tokenize("{# never closed"), TemplateError);
  EXPECT_THROW(tokenize("{{ x "), TemplateError);
  EXPECT_THROW(tokenize("{{ x $ }}"), TemplateError);
}

}  // namespace
}  // namespace minke::chat
