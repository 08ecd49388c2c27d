// TokenCursor: the parser's position in the lexer's tokens, with the helpers both halves of the
// parser use (expressions: expression_parser.cpp; statements: parser.cpp): look at and consume
// tokens, expect an operator or a name, report an error at a token, bound the nesting depth.
#pragma once

#include <string>
#include <vector>

#include "chat/lexer.h"
#include "chat/parser.h"
#include "chat/template_error.h"

namespace minke::chat {

class TokenCursor {
 public:
  TokenCursor(std::vector<Token> tokens, const ParseLimits& limits)
      : toks_(std::move(tokens)), limits_(limits) {}

 protected:
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
    TokenCursor& p;
    explicit DepthGuard(TokenCursor& parser, const Token& t) : p(parser) {
      if (++p.depth_ > p.limits_.max_depth) p.error(t, "template nested too deeply");
    }
    ~DepthGuard() { --p.depth_; }
  };

  std::vector<Token> toks_;
  ParseLimits limits_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace minke::chat
