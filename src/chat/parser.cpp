// Recursive-descent parser for the Jinja2 subset chat templates use (see parser.h).
// Precedence, lowest first, as jinja2's parser: conditional, or, and, not, comparisons and
// in/not in, + -, ~, * / // %, **, unary - +, then primaries with postfix (.attr, [i], calls)
// and filters/tests (|f, is t).
#include "chat/parser.h"

#include <cstdlib>
#include <set>

#include "chat/builtins.h"
#include "chat/lexer.h"
#include "chat/template_error.h"

namespace minke::chat {
namespace {

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ParseLimits& limits)
      : toks_(std::move(tokens)), limits_(limits) {}

  NodeList parse_all() {
    NodeList out = parse_body({});
    if (cur().type != TokenType::kEof) error(cur(), "unexpected tag");
    return out;
  }

 private:
  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t n = 1) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  Token next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  bool is_op(const char* op) const {
    return cur().type == TokenType::kOperator && cur().value == op;
  }
  bool is_name(const char* name) const {
    return cur().type == TokenType::kName && cur().value == name;
  }
  [[noreturn]] void error(const Token& t, const std::string& message) const {
    throw TemplateError(at(t.line, t.column, message), true);
  }
  void expect_op(const char* op) {
    if (!is_op(op)) error(cur(), std::string("expected '") + op + "'" + got());
    next();
  }
  std::string got() const {
    if (cur().type == TokenType::kEof) return ", got end of template";
    if (cur().type == TokenType::kBlockEnd) return ", got end of statement block";
    if (cur().type == TokenType::kVarEnd) return ", got end of print statement";
    return ", got '" + cur().value + "'";
  }
  std::string expect_name() {
    if (cur().type != TokenType::kName) error(cur(), "expected a name" + got());
    return next().value;
  }
  void expect_block_end() {
    if (cur().type != TokenType::kBlockEnd) error(cur(), "expected end of statement block" + got());
    next();
  }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser, const Token& t) : p(parser) {
      if (++p.depth_ > p.limits_.max_depth) p.error(t, "template nested too deeply");
    }
    ~DepthGuard() { --p.depth_; }
  };

  // Statements until a {% name %} with name in `ends` (left unconsumed, after '{%').
  NodeList parse_body(const std::set<std::string>& ends) {
    NodeList out;
    while (cur().type != TokenType::kEof) {
      const Token& t = cur();
      if (t.type == TokenType::kData) {
        auto n = node(Node::Kind::kData, t);
        n->text = t.value;
        out.push_back(std::move(n));
        next();
      } else if (t.type == TokenType::kVarBegin) {
        next();
        auto n = node(Node::Kind::kOutput, t);
        n->expr = parse_tuple_expr();
        if (cur().type != TokenType::kVarEnd)
          error(cur(), "expected end of print statement" + got());
        next();
        out.push_back(std::move(n));
      } else if (t.type == TokenType::kBlockBegin) {
        const Token& name = peek();
        if (name.type == TokenType::kName && ends.count(name.value)) return out;
        next();
        out.push_back(parse_statement());
      } else {
        error(t, "unexpected token");
      }
    }
    if (!ends.empty()) {
      std::string list;
      for (const auto& e : ends) list += (list.empty() ? "'" : " or '") + e + "'";
      error(cur(), "unexpected end of template, expected " + list);
    }
    return out;
  }

  NodePtr node(Node::Kind kind, const Token& t) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->line = t.line;
    n->column = t.column;
    return n;
  }

  // After '{%' and the end name: consumes "name %}".
  void end_tag(const char* name) {
    if (!is_name(name)) error(cur(), std::string("expected '") + name + "'" + got());
    next();
    expect_block_end();
  }

  NodePtr parse_statement() {
    const Token t = cur();
    DepthGuard guard(*this, t);
    std::string kw = expect_name();
    if (kw == "if") return parse_if(t);
    if (kw == "for") return parse_for(t);
    if (kw == "set") return parse_set(t);
    if (kw == "macro") return parse_macro(t);
    if (kw == "call") return parse_call_block(t);
    if (kw == "filter") return parse_filter_block(t);
    if (kw == "break" || kw == "continue") {
      if (loop_depth_ == 0) error(t, "'" + kw + "' outside of a loop");
      expect_block_end();
      return node(kw == "break" ? Node::Kind::kBreak : Node::Kind::kContinue, t);
    }
    if (kw == "generation") {  // transformers' AssistantTracker tag: renders its body
      expect_block_end();
      auto n = node(Node::Kind::kScope, t);
      n->body = parse_body({"endgeneration"});
      next();
      end_tag("endgeneration");
      return n;
    }
    error(t, "unsupported statement '" + kw + "'");
  }

  NodePtr parse_if(const Token& t) {
    auto n = node(Node::Kind::kIf, t);
    n->conditions.push_back(parse_expression());
    expect_block_end();
    while (true) {
      n->bodies.push_back(parse_body({"elif", "else", "endif"}));
      next();  // '{%'
      std::string kw = expect_name();
      if (kw == "elif") {
        n->conditions.push_back(parse_expression());
        expect_block_end();
      } else if (kw == "else") {
        expect_block_end();
        n->else_body = parse_body({"endif"});
        next();
        end_tag("endif");
        return n;
      } else {
        expect_block_end();
        return n;
      }
    }
  }

  std::vector<std::string> parse_targets() {
    std::vector<std::string> names;
    bool paren = is_op("(");
    if (paren) next();
    names.push_back(expect_name());
    while (is_op(",")) {
      next();
      if (cur().type != TokenType::kName) break;
      names.push_back(expect_name());
    }
    if (paren) expect_op(")");
    return names;
  }

  NodePtr parse_for(const Token& t) {
    auto n = node(Node::Kind::kFor, t);
    n->targets = parse_targets();
    if (!is_name("in")) error(cur(), "expected 'in'" + got());
    next();
    n->expr = parse_tuple_expr(/*with_condexpr=*/false);
    if (is_name("if")) {
      next();
      n->cond = parse_expression();
    }
    if (is_name("recursive")) error(cur(), "unsupported construct 'recursive' loop");
    expect_block_end();
    ++loop_depth_;
    n->body = parse_body({"else", "endfor"});
    --loop_depth_;
    next();
    if (is_name("else")) {
      next();
      expect_block_end();
      n->else_body = parse_body({"endfor"});
      next();
    }
    end_tag("endfor");
    return n;
  }

  NodePtr parse_set(const Token& t) {
    auto n = node(Node::Kind::kSet, t);
    if (cur().type == TokenType::kName && peek().type == TokenType::kOperator &&
        peek().value == ".") {
      n->targets.push_back(expect_name());
      next();
      n->attr = expect_name();
    } else {
      n->targets = parse_targets();
    }
    if (is_op("=")) {
      next();
      n->expr = parse_tuple_expr();
      expect_block_end();
      return n;
    }
    if (!n->attr.empty() || n->targets.size() != 1) error(cur(), "expected '='" + got());
    if (is_op("|")) n->filter = parse_filters(nullptr);
    expect_block_end();
    n->body = parse_body({"endset"});
    next();
    end_tag("endset");
    return n;
  }

  void parse_params(Node& n) {
    expect_op("(");
    while (!is_op(")")) {
      if (!n.params.empty()) expect_op(",");
      if (is_op(")")) break;
      n.params.push_back(expect_name());
      if (is_op("=")) {
        next();
        n.defaults.push_back(parse_expression());
      } else {
        n.defaults.push_back(nullptr);
      }
    }
    next();
  }

  NodePtr parse_macro(const Token& t) {
    auto n = node(Node::Kind::kMacro, t);
    n->text = expect_name();
    parse_params(*n);
    expect_block_end();
    int saved = loop_depth_;
    loop_depth_ = 0;
    n->body = parse_body({"endmacro"});
    loop_depth_ = saved;
    next();
    end_tag("endmacro");
    return n;
  }

  NodePtr parse_call_block(const Token& t) {
    auto n = node(Node::Kind::kCallBlock, t);
    if (is_op("(")) parse_params(*n);
    n->expr = parse_expression();
    if (n->expr->kind != Expr::Kind::kCall) error(t, "expected a call after 'call'");
    expect_block_end();
    n->body = parse_body({"endcall"});
    next();
    end_tag("endcall");
    return n;
  }

  NodePtr parse_filter_block(const Token& t) {
    auto n = node(Node::Kind::kFilterBlock, t);
    n->filter = parse_filter_chain(nullptr, /*first_without_pipe=*/true);
    expect_block_end();
    n->body = parse_body({"endfilter"});
    next();
    end_tag("endfilter");
    return n;
  }

  // ---- expressions ----

  ExprPtr make(Expr::Kind kind, const Token& t) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = t.line;
    e->column = t.column;
    return e;
  }

  // Expression possibly followed by ", expr" (an implicit tuple).
  ExprPtr parse_tuple_expr(bool with_condexpr = true) {
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

  ExprPtr parse_expression() {
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

  ExprPtr binary(const Token& t, const std::string& op, ExprPtr l, ExprPtr r) {
    auto b = make(Expr::Kind::kBinary, t);
    b->name = op;
    b->args.push_back(std::move(l));
    b->args.push_back(std::move(r));
    return b;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      Token t = next();
      e = binary(t, "or", std::move(e), parse_and());
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      Token t = next();
      e = binary(t, "and", std::move(e), parse_not());
    }
    return e;
  }

  ExprPtr parse_not() {
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

  ExprPtr parse_compare() {
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

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      Token t = next();
      e = binary(t, t.value, std::move(e), parse_concat());
    }
    return e;
  }

  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (is_op("~")) {
      Token t = next();
      e = binary(t, "~", std::move(e), parse_math2());
    }
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      Token t = next();
      e = binary(t, t.value, std::move(e), parse_pow());
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (is_op("**")) {
      Token t = next();
      e = binary(t, "**", std::move(e), parse_unary(true));
    }
    return e;
  }

  ExprPtr parse_unary(bool with_filter) {
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

  ExprPtr parse_primary() {
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
    error(t, "unexpected " + (t.type == TokenType::kEof ? std::string("end of template")
                                                        : "'" + t.value + "'"));
  }

  ExprPtr literal(const Token& t, Value v) {
    auto e = make(Expr::Kind::kLiteral, t);
    e->value = std::move(v);
    return e;
  }

  ExprPtr parse_postfix(ExprPtr e) {
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

  ExprPtr parse_subscript(const Token& t, ExprPtr obj) {
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

  void parse_call_args(Expr& call) {
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

  ExprPtr parse_filter_expr(ExprPtr e) {
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

  ExprPtr parse_filters(ExprPtr input) { return parse_filter_chain(std::move(input), false); }

  ExprPtr parse_filter_chain(ExprPtr input, bool first_without_pipe) {
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

  ExprPtr parse_test(ExprPtr input) {
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
                cur().type == TokenType::kInteger || cur().type == TokenType::kFloat ||
                is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and") && !is_name("if")) {
      if (is_name("is")) error(cur(), "you cannot chain multiple tests with is");
      e->args.push_back(parse_postfix(parse_primary()));
    }
    return e;
  }

  std::vector<Token> toks_;
  ParseLimits limits_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

NodeList parse_template(std::string_view source, const ParseLimits& limits) {
  return Parser(tokenize(source), limits).parse_all();
}

}  // namespace minke::chat
