// Parser: precedence, statements and the errors for unsupported or malformed constructs.
#include "chat/parser.h"

#include <gtest/gtest.h>

#include "chat/template_error.h"

namespace minke::chat {
namespace {

std::string error_of(const std::string& source) {
  try {
    parse_template(source);
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

TEST(ChatParser, FiltersBindTighterThanBinaryOperators) {
  NodeList nodes = parse_template("{{ a + b | trim }}");
  ASSERT_EQ(nodes.size(), 1u);
  const Expr& e = *nodes[0]->expr;
  ASSERT_EQ(e.kind, Expr::Kind::kBinary);
  EXPECT_EQ(e.args[1]->kind, Expr::Kind::kFilter);
}

TEST(ChatParser, NotBindsLooserThanIsTest) {
  NodeList nodes = parse_template("{{ not x is defined }}");
  const Expr& e = *nodes[0]->expr;
  ASSERT_EQ(e.kind, Expr::Kind::kUnary);
  EXPECT_EQ(e.args[0]->kind, Expr::Kind::kTest);
}

TEST(ChatParser, StatementsNest) {
  NodeList nodes = parse_template(
      "{% for k, v in d.items() if v %}{% if k %}{% set ns.x = 1 %}{% elif v %}{% else %}"
      "{% endif %}{% else %}{% endfor %}{% macro m(a, b=2) %}{% endmacro %}");
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0]->kind, Node::Kind::kFor);
  EXPECT_EQ(nodes[0]->targets.size(), 2u);
  EXPECT_TRUE(nodes[0]->cond);
  EXPECT_EQ(nodes[0]->body[0]->conditions.size(), 2u);
  EXPECT_EQ(nodes[1]->kind, Node::Kind::kMacro);
  EXPECT_EQ(nodes[1]->params.size(), 2u);
}

TEST(ChatParser, UnsupportedConstructsNameThemselvesAndTheirPosition) {
  EXPECT_EQ(error_of("a\n{{ x | wordwrap }}"), "chat template 2:8: unsupported filter 'wordwrap'");
  EXPECT_EQ(error_of("{{ x is prime }}"), "chat template 1:9: unsupported test 'prime'");
  EXPECT_EQ(error_of("{% include 'x' %}"), "chat template 1:4: unsupported statement 'include'");
  EXPECT_EQ(error_of("{% extends 'x' %}"), "chat template 1:4: unsupported statement 'extends'");
  EXPECT_EQ(error_of("{% break %}"), "chat template 1:4: 'break' outside of a loop");
}

TEST(ChatParser, MalformedTemplatesFail) {
  EXPECT_NE(error_of("{% if x %}"), "");
  EXPECT_NE(error_of("{% for x in %}{% endfor %}"), "");
  EXPECT_NE(error_of("{{ (1 + }}"), "");
  EXPECT_NE(error_of("{% endif %}"), "");
  EXPECT_NE(error_of("{{ }}"), "");
}

TEST(ChatParser, DeepNestingIsRejectedNotACrash) {
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_NE(error_of(deep).find("nested too deeply"), std::string::npos);
  std::string ifs;
  for (int i = 0; i < 1000; ++i) ifs += "{% if x %}";
  EXPECT_NE(error_of(ifs).find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace minke::chat
