// The syntax tree of a parsed chat template: expressions (Expr) and statements (Node).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace minke::chat {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,    // value
    kName,       // name
    kList,       // args
    kTuple,      // args
    kDict,       // args: key0, value0, key1, value1, ...
    kGetAttr,    // args[0].name
    kGetItem,    // args[0][args[1]]
    kSlice,      // args[0][args[1]:args[2]:args[3]] (null = omitted)
    kCall,       // args[0](args[1..], kwargs)
    kFilter,     // args[0] | name(args[1..], kwargs); args[0] null in filter blocks
    kTest,       // args[0] is [not] name(args[1..])
    kUnary,      // name in {not, -, +}
    kBinary,     // args[0] name args[1]; name in {+ - * / // % ** ~ and or in notin}
    kCompare,    // args[0] ops[0] args[1] ops[1] args[2] ... (chained)
    kCondition,  // args[0] if args[1] else args[2] (args[2] may be null)
  };
  Kind kind;
  int line = 0;
  int column = 0;
  Value value;
  std::string name;
  bool negated = false;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using NodeList = std::vector<NodePtr>;

struct Node {
  enum class Kind {
    kData,         // text
    kOutput,       // {{ expr }}
    kIf,           // conditions[i] -> bodies[i]; else_body
    kFor,          // targets in expr [if cond]: body, else_body
    kSet,          // targets (or targets[0].attr) = expr, or block body with filter
    kMacro,        // name(params = defaults): body
    kCallBlock,    // {% call(params) expr %} body: expr with caller() bound to body
    kFilterBlock,  // filter (an Expr chain whose innermost input is null) over body
    kBreak,
    kContinue,
    kScope,  // body only ({% generation %}): renders its body
  };
  Kind kind;
  int line = 0;
  int column = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr cond;
  ExprPtr filter;
  std::vector<std::string> targets;
  std::string attr;
  std::vector<ExprPtr> conditions;
  std::vector<NodeList> bodies;
  NodeList body;
  NodeList else_body;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // aligned with params; null = required
};

}  // namespace minke::chat
