// ExpressionParser: see expression_parser.h.
#include "chat/expression_parser.h"

#include <cstdlib>

#include "chat/builtins.h"

namespace minke::chat {

ExprPtr ExpressionParser::make(Expr::Kind kind, const Token& t) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = t.line;
  e->column = t.column;
  return e;
}

// Expression possibly followed by ", expr" (an implicit tuple).
ExprPtr ExpressionParser::parse_tuple_expr(bool with_condexpr) {
  const Token t = cur();
  ExprPtr first = with_condexpr ? parse_expression() : parse_or();
  if (!is_op(",")) return first;
  auto tuple = make(Expr::Kind::kTuple, t);
  tuple->args.push_back(std::move(first));
  while (is_op(",")) {
    next();
    if (cur().type == TokenType::kBlockEnd || cur().type == TokenType::kVarEnd) break;
    tuple->args.push_back(with_condexpr ? parse_expression() : parse_or());
  }
  return tuple;
}

ExprPtr ExpressionParser::parse_expression() {
  DepthGuard guard(*this, cur());
  const Token t = cur();
  ExprPtr e = parse_or();
  while (is_name("if")) {
    next();
    auto c = make(Expr::Kind::kCondition, t);
    c->args.push_back(std::move(e));
    c->args.push_back(parse_or());
    if (is_name("else")) {
      next();
      c->args.push_back(parse_expression());
    } else {
      c->args.push_back(nullptr);
    }
    e = std::move(c);
  }
  return e;
}

ExprPtr ExpressionParser::binary(const Token& t, const std::string& op, ExprPtr l, ExprPtr r) {
  auto b = make(Expr::Kind::kBinary, t);
  b->name = op;
  b->args.push_back(std::move(l));
  b->args.push_back(std::move(r));
  return b;
}

ExprPtr ExpressionParser::parse_or() {
  ExprPtr e = parse_and();
  while (is_name("or")) {
    Token t = next();
    e = binary(t, "or", std::move(e), parse_and());
  }
  return e;
}

ExprPtr ExpressionParser::parse_and() {
  ExprPtr e = parse_not();
  while (is_name("and")) {
    Token t = next();
    e = binary(t, "and", std::move(e), parse_not());
  }
  return e;
}

ExprPtr ExpressionParser::parse_not() {
  if (is_name("not")) {
    DepthGuard guard(*this, cur());
    Token t = next();
    auto u = make(Expr::Kind::kUnary, t);
    u->name = "not";
    u->args.push_back(parse_not());
    return u;
  }
  return parse_compare();
}

ExprPtr ExpressionParser::parse_compare() {
  const Token t = cur();
  ExprPtr first = parse_math1();
  ExprPtr cmp;
  while (true) {
    std::string op;
    if (cur().type == TokenType::kOperator &&
        (cur().value == "==" || cur().value == "!=" || cur().value == "<" || cur().value == ">" ||
         cur().value == "<=" || cur().value == ">=")) {
      op = next().value;
    } else if (is_name("in")) {
      next();
      op = "in";
    } else if (is_name("not") && peek().type == TokenType::kName && peek().value == "in") {
      next();
      next();
      op = "notin";
    } else {
      break;
    }
    if (!cmp) {
      cmp = make(Expr::Kind::kCompare, t);
      cmp->args.push_back(std::move(first));
    }
    cmp->ops.push_back(op);
    cmp->args.push_back(parse_math1());
  }
  return cmp ? std::move(cmp) : std::move(first);
}

ExprPtr ExpressionParser::parse_math1() {
  ExprPtr e = parse_concat();
  while (is_op("+") || is_op("-")) {
    Token t = next();
    e = binary(t, t.value, std::move(e), parse_concat());
  }
  return e;
}

ExprPtr ExpressionParser::parse_concat() {
  ExprPtr e = parse_math2();
  while (is_op("~")) {
    Token t = next();
    e = binary(t, "~", std::move(e), parse_math2());
  }
  return e;
}

ExprPtr ExpressionParser::parse_math2() {
  ExprPtr e = parse_pow();
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    Token t = next();
    e = binary(t, t.value, std::move(e), parse_pow());
  }
  return e;
}

ExprPtr ExpressionParser::parse_pow() {
  ExprPtr e = parse_unary(true);
  while (is_op("**")) {
    Token t = next();
    e = binary(t, "**", std::move(e), parse_unary(true));
  }
  return e;
}

ExprPtr ExpressionParser::parse_unary(bool with_filter) {
  DepthGuard guard(*this, cur());
  ExprPtr e;
  if (is_op("-") || is_op("+")) {
    Token t = next();
    e = make(Expr::Kind::kUnary, t);
    e->name = t.value;
    e->args.push_back(parse_unary(false));
  } else {
    e = parse_primary();
  }
  e = parse_postfix(std::move(e));
  if (with_filter) e = parse_filter_expr(std::move(e));
  return e;
}

ExprPtr ExpressionParser::parse_primary() {
  const Token t = cur();
  if (t.type == TokenType::kName) {
    next();
    if (t.value == "true" || t.value == "True") return literal(t, Value(true));
    if (t.value == "false" || t.value == "False") return literal(t, Value(false));
    if (t.value == "none" || t.value == "None") return literal(t, Value::none());
    auto e = make(Expr::Kind::kName, t);
    e->name = t.value;
    return e;
  }
  if (t.type == TokenType::kString) {
    std::string s;
    while (cur().type == TokenType::kString) s += next().value;  // adjacent literals join
    return literal(t, Value(std::move(s)));
  }
  if (t.type == TokenType::kInteger) {
    next();
    errno = 0;
    long long v = std::strtoll(t.value.c_str(), nullptr, 10);
    if (errno == ERANGE) error(t, "integer literal too large");
    return literal(t, Value(static_cast<int64_t>(v)));
  }
  if (t.type == TokenType::kFloat) {
    next();
    return literal(t, Value(std::strtod(t.value.c_str(), nullptr)));
  }
  if (is_op("(")) {
    next();
    if (is_op(")")) {
      next();
      return make(Expr::Kind::kTuple, t);
    }
    ExprPtr e = parse_expression();
    if (is_op(",")) {
      auto tuple = make(Expr::Kind::kTuple, t);
      tuple->args.push_back(std::move(e));
      while (is_op(",")) {
        next();
        if (is_op(")")) break;
        tuple->args.push_back(parse_expression());
      }
      e = std::move(tuple);
    }
    expect_op(")");
    return e;
  }
  if (is_op("[")) {
    next();
    auto e = make(Expr::Kind::kList, t);
    while (!is_op("]")) {
      if (!e->args.empty()) expect_op(",");
      if (is_op("]")) break;
      e->args.push_back(parse_expression());
    }
    next();
    return e;
  }
  if (is_op("{")) {
    next();
    auto e = make(Expr::Kind::kDict, t);
    while (!is_op("}")) {
      if (!e->args.empty()) expect_op(",");
      if (is_op("}")) break;
      e->args.push_back(parse_expression());
      expect_op(":");
      e->args.push_back(parse_expression());
    }
    next();
    return e;
  }
  error(t, "unexpected " +
               (t.type == TokenType::kEof ? std::string("end of template") : "'" + t.value + "'"));
}

ExprPtr ExpressionParser::literal(const Token& t, Value v) {
  auto e = make(Expr::Kind::kLiteral, t);
  e->value = std::move(v);
  return e;
}

ExprPtr ExpressionParser::parse_postfix(ExprPtr e) {
  while (true) {
    const Token t = cur();
    if (is_op(".")) {
      next();
      if (cur().type == TokenType::kInteger) {  // foo.0 is foo[0]
        auto g = make(Expr::Kind::kGetItem, t);
        g->args.push_back(std::move(e));
        g->args.push_back(
            literal(cur(), Value(static_cast<int64_t>(std::atoll(next().value.c_str())))));
        e = std::move(g);
        continue;
      }
      auto g = make(Expr::Kind::kGetAttr, t);
      g->name = expect_name();
      g->args.push_back(std::move(e));
      e = std::move(g);
    } else if (is_op("[")) {
      next();
      e = parse_subscript(t, std::move(e));
    } else if (is_op("(")) {
      auto c = make(Expr::Kind::kCall, t);
      c->line = e->line;  // errors point at the callee, not at '('
      c->column = e->column;
      c->args.push_back(std::move(e));
      parse_call_args(*c);
      e = std::move(c);
    } else {
      return e;
    }
  }
}

ExprPtr ExpressionParser::parse_subscript(const Token& t, ExprPtr obj) {
  ExprPtr parts[3];
  bool is_slice = false;
  for (int i = 0; i < 3; ++i) {
    if (!is_op(":") && !is_op("]")) parts[i] = parse_expression();
    if (i < 2 && is_op(":")) {
      next();
      is_slice = true;
    } else {
      break;
    }
  }
  expect_op("]");
  auto e = make(is_slice ? Expr::Kind::kSlice : Expr::Kind::kGetItem, t);
  e->args.push_back(std::move(obj));
  if (!is_slice) {
    if (!parts[0]) error(t, "expected an index");
    e->args.push_back(std::move(parts[0]));
  } else {
    for (auto& p : parts) e->args.push_back(std::move(p));
  }
  return e;
}

void ExpressionParser::parse_call_args(Expr& call) {
  expect_op("(");
  bool first = true;
  while (!is_op(")")) {
    if (!first) expect_op(",");
    first = false;
    if (is_op(")")) break;
    if (is_op("*") || is_op("**")) error(cur(), "unsupported construct '*args/**kwargs' call");
    if (cur().type == TokenType::kName && peek().type == TokenType::kOperator &&
        peek().value == "=") {
      std::string key = next().value;
      next();
      call.kwargs.emplace_back(key, parse_expression());
    } else {
      if (!call.kwargs.empty()) error(cur(), "positional argument after keyword argument");
      call.args.push_back(parse_expression());
    }
  }
  next();
}

ExprPtr ExpressionParser::parse_filter_expr(ExprPtr e) {
  while (true) {
    if (is_op("|")) {
      e = parse_filters(std::move(e));
    } else if (is_name("is")) {
      e = parse_test(std::move(e));
    } else if (is_op("(")) {
      auto c = make(Expr::Kind::kCall, cur());
      c->args.push_back(std::move(e));
      parse_call_args(*c);
      e = std::move(c);
    } else {
      return e;
    }
  }
}

ExprPtr ExpressionParser::parse_filters(ExprPtr input) {
  return parse_filter_chain(std::move(input), false);
}

ExprPtr ExpressionParser::parse_filter_chain(ExprPtr input, bool first_without_pipe) {
  bool first = true;
  while (is_op("|") || (first && first_without_pipe)) {
    if (is_op("|")) next();
    first = false;
    const Token t = cur();
    std::string name = expect_name();
    while (is_op(".")) {
      next();
      name += "." + expect_name();
    }
    if (!has_filter(name)) error(t, "unsupported filter '" + name + "'");
    auto f = make(Expr::Kind::kFilter, t);
    f->name = name;
    f->args.push_back(std::move(input));
    if (is_op("(")) parse_call_args(*f);
    input = std::move(f);
  }
  return input;
}

ExprPtr ExpressionParser::parse_test(ExprPtr input) {
  next();  // 'is'
  const Token t0 = cur();
  auto e = make(Expr::Kind::kTest, t0);
  if (is_name("not")) {
    next();
    e->negated = true;
  }
  const Token t = cur();
  std::string name = expect_name();
  if (!has_test(name)) error(t, "unsupported test '" + name + "'");
  e->name = name;
  e->args.push_back(std::move(input));
  if (is_op("(")) {
    parse_call_args(*e);
  } else if ((cur().type == TokenType::kName || cur().type == TokenType::kString ||
              cur().type == TokenType::kInteger || cur().type == TokenType::kFloat || is_op("[") ||
              is_op("{")) &&
             !is_name("else") && !is_name("or") && !is_name("and") && !is_name("if")) {
    if (is_name("is")) error(cur(), "you cannot chain multiple tests with is");
    e->args.push_back(parse_postfix(parse_primary()));
  }
  return e;
}

}  // namespace minke::chat
