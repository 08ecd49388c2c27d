// Recursive-descent parser for the Jinja2 subset chat templates use (see parser.h): the
// statements ({% if %}, {% for %}, {% set %}, macros, call and filter blocks), on top of
// ExpressionParser (expression_parser.cpp) and its TokenCursor (token_cursor.h).
#include "chat/parser.h"

#include <set>

#include "chat/builtins.h"
#include "chat/expression_parser.h"
#include "chat/lexer.h"
#include "chat/template_error.h"

namespace minke::chat {
namespace {

class Parser : public ExpressionParser {
 public:
  using ExpressionParser::ExpressionParser;

  NodeList parse_all() {
    NodeList out = parse_body({});
    if (cur().type != TokenType::kEof) error(cur(), "unexpected tag");
    return out;
  }

 private:
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

  int loop_depth_ = 0;
};

}  // namespace

NodeList parse_template(std::string_view source, const ParseLimits& limits) {
  return Parser(tokenize(source), limits).parse_all();
}

}  // namespace minke::chat
