// ExpressionParser: the expression half of the chat-template parser (parser.cpp parses the
// statements on top of it). Precedence, lowest first, as jinja2's parser: conditional, or, and,
// not, comparisons and in/not in, + -, ~, * / // %, **, unary - +, then primaries with
// postfix (.attr, [i], calls) and filters/tests (|f, is t).
#pragma once

#include <string>
#include <vector>

#include "chat/ast.h"
#include "chat/token_cursor.h"
#include "chat/value.h"

namespace minke::chat {

class ExpressionParser : public TokenCursor {
 public:
  using TokenCursor::TokenCursor;

 protected:
  ExprPtr parse_tuple_expr(bool with_condexpr = true);
  ExprPtr parse_expression();
  ExprPtr parse_filters(ExprPtr input);
  ExprPtr parse_filter_chain(ExprPtr input, bool first_without_pipe);

 private:
  ExprPtr make(Expr::Kind kind, const Token& t);
  ExprPtr binary(const Token& t, const std::string& op, ExprPtr l, ExprPtr r);
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr literal(const Token& t, Value v);
  ExprPtr parse_postfix(ExprPtr e);
  ExprPtr parse_subscript(const Token& t, ExprPtr obj);
  void parse_call_args(Expr& call);
  ExprPtr parse_filter_expr(ExprPtr e);
  ExprPtr parse_test(ExprPtr input);
};

}  // namespace minke::chat
