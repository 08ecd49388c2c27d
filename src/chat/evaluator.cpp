// Tree-walking evaluator for parsed chat templates (see evaluator.h).
#include "chat/evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <unordered_map>
#include <vector>

#include "chat/builtins.h"
#include "chat/globals.h"
#include "chat/operators.h"
#include "chat/template_error.h"
#include "core/check.h"

namespace minke::chat {
namespace {

// Ownership: a scope owns its parent (an acyclic chain, parents are older than children) and
// the Values bound in it. A macro Value must not own the scope it was defined in, because that
// scope (or one below it) usually binds the macro itself: Scope -> Value -> closure -> Scope
// would be a cycle that shared_ptr never frees. So macros hold a weak_ptr, and the Evaluator
// owns every scope a macro was defined in (closure_scopes_) for the whole render, which is as
// long as any macro can be called: macros capture the Evaluator too, and no Value created by a
// render outlives it (the result is a string; inputs are immutable to templates).
struct Scope {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Scope> parent;
};
using ScopePtr = std::shared_ptr<Scope>;

enum class Flow { kNormal, kBreak, kContinue };

class Evaluator {
 public:
  Evaluator(const Value& variables, const EvalOptions& options) : opts_(options) {
    auto globals = std::make_shared<Scope>();
    install_globals(
        globals->vars,
        GlobalsContext{.track_namespace = [this](const Value& ns) { track_namespace(ns); },
                       .now = opts_.now ? &*opts_.now : nullptr});
    scope_ = std::make_shared<Scope>();
    scope_->parent = globals;
    for (const auto& [k, v] : variables.entries()) scope_->vars[k] = v;
  }

  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Breaks the namespace cycles a template may have made (see Value::namespace_handle); the
  // scopes in closure_scopes_ then go with the members, their macros owning nothing back.
  ~Evaluator() {
    for (const auto& handle : namespaces_) {
      if (auto dict = handle.lock()) {
        ValueDict doomed;
        doomed.swap(*dict);  // destroyed here, while `dict` still keeps the namespace alive
      }
    }
  }

  std::string render(const NodeList& nodes) {
    std::string out;
    exec(nodes, out);
    return out;
  }

 private:
  // ---- statements ----

  Flow exec(const NodeList& nodes, std::string& out) {
    for (const auto& n : nodes) {
      Flow f = exec_located(*n, out);
      if (f != Flow::kNormal) return f;
    }
    return Flow::kNormal;
  }

  Flow exec_located(const Node& n, std::string& out) {
    try {
      return exec_node(n, out);
    } catch (const TemplateError& e) {
      if (e.located()) throw;
      throw TemplateError(at(n.line, n.column, e.what()), true);
    }
  }

  void emit(std::string& out, const std::string& s) {
    if (out.size() + s.size() > opts_.limits.max_output_bytes)
      fail("output exceeds the limit of " + std::to_string(opts_.limits.max_output_bytes) +
           " bytes");
    RenderBudget::built(s.size());
    out += s;
  }

  Flow exec_node(const Node& n, std::string& out) {
    switch (n.kind) {
      case Node::Kind::kData:
        emit(out, n.text);
        return Flow::kNormal;
      case Node::Kind::kOutput:
        emit(out, eval(*n.expr).to_str());
        return Flow::kNormal;
      case Node::Kind::kIf:
        for (size_t i = 0; i < n.conditions.size(); ++i)
          if (eval(*n.conditions[i]).truthy()) return exec(n.bodies[i], out);
        return exec(n.else_body, out);
      case Node::Kind::kFor:
        return exec_for(n, out);
      case Node::Kind::kSet:
        exec_set(n);
        return Flow::kNormal;
      case Node::Kind::kMacro:
        scope_->vars[n.text] = make_macro(n, n.text);
        return Flow::kNormal;
      case Node::Kind::kCallBlock: {
        Value caller = make_macro(n, "caller");
        emit(out, eval_call(*n.expr, &caller).to_str());
        return Flow::kNormal;
      }
      case Node::Kind::kFilterBlock: {
        std::string body;
        exec(n.body, body);
        emit(out, apply_filter_chain(*n.filter, Value(std::move(body))).to_str());
        return Flow::kNormal;
      }
      case Node::Kind::kBreak:
        return Flow::kBreak;
      case Node::Kind::kContinue:
        return Flow::kContinue;
      case Node::Kind::kScope:
        return exec(n.body, out);
    }
    return Flow::kNormal;
  }

  void bind_targets(Scope& scope, const std::vector<std::string>& targets, const Value& v) {
    if (targets.size() == 1) {
      scope.vars[targets[0]] = v;
      return;
    }
    ValueList items = iterate(v);
    if (items.size() < targets.size())
      fail("not enough values to unpack (expected " + std::to_string(targets.size()) + ", got " +
           std::to_string(items.size()) + ")");
    if (items.size() > targets.size())
      fail("too many values to unpack (expected " + std::to_string(targets.size()) + ")");
    for (size_t i = 0; i < targets.size(); ++i) scope.vars[targets[i]] = items[i];
  }

  Flow exec_for(const Node& n, std::string& out) {
    Value seq = eval(*n.expr);
    if (seq.is_none() || seq.is_int() || seq.is_float() || seq.is_bool())
      fail("'" + seq.type_name() + "' object is not iterable");
    ValueList all = iterate(seq);
    auto loop_scope = std::make_shared<Scope>();
    loop_scope->parent = scope_;
    ScopeGuard guard(*this, loop_scope);
    ValueList items;
    if (n.cond) {
      for (auto& item : all) {
        count_iteration();
        bind_targets(*loop_scope, n.targets, item);
        if (eval(*n.cond).truthy()) items.push_back(std::move(item));
      }
    } else {
      items = std::move(all);
    }
    const int64_t length = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < length; ++i) {
      count_iteration();
      bind_targets(*loop_scope, n.targets, items[i]);
      ValueDict loop = {
          {"index", Value(i + 1)},
          {"index0", Value(i)},
          {"revindex", Value(length - i)},
          {"revindex0", Value(length - i - 1)},
          {"first", Value(i == 0)},
          {"last", Value(i == length - 1)},
          {"length", Value(length)},
          {"depth", Value(1)},
          {"depth0", Value(0)},
          {"previtem", i > 0 ? items[i - 1] : Value::undefined("there is no previous item")},
          {"nextitem", i + 1 < length ? items[i + 1] : Value::undefined("there is no next item")},
      };
      loop.emplace_back("cycle", Value::function("loop.cycle", [i](CallArgs& a) {
                          if (a.positional.empty()) fail("no items for cycling given");
                          return a.positional[i % a.positional.size()];
                        }));
      loop_scope->vars["loop"] = Value::dict(std::move(loop));
      Flow f = exec(n.body, out);
      if (f == Flow::kBreak) break;
    }
    if (length == 0) return exec(n.else_body, out);
    return Flow::kNormal;
  }

  void count_iteration() {
    if (++iterations_ > opts_.limits.max_loop_iterations)
      fail("loop iterations exceed the limit of " +
           std::to_string(opts_.limits.max_loop_iterations));
  }

  void exec_set(const Node& n) {
    Value v;
    if (n.expr) {
      v = eval(*n.expr);
    } else {
      std::string body;
      exec(n.body, body);
      v = Value(std::move(body));
      if (n.filter) v = apply_filter_chain(*n.filter, v);
    }
    if (!n.attr.empty()) {
      Value ns = lookup(n.targets[0]);
      if (!ns.is_namespace()) fail("cannot assign attribute on non-namespace object");
      ns.set(n.attr, std::move(v));
      return;
    }
    bind_targets(*scope_, n.targets, v);
  }

  struct ScopeGuard {
    Evaluator& ev;
    ScopePtr saved;
    ScopeGuard(Evaluator& e, ScopePtr s) : ev(e), saved(std::move(e.scope_)) {
      ev.scope_ = std::move(s);
    }
    ~ScopeGuard() { ev.scope_ = std::move(saved); }
  };

  Value make_macro(const Node& n, const std::string& name) {
    // A loop body or call block defining macros repeatedly keeps one scope, stored once.
    if (closure_scopes_.empty() || closure_scopes_.back() != scope_)
      closure_scopes_.push_back(scope_);
    std::weak_ptr<Scope> defined_in = scope_;
    const Node* node = &n;
    return Value::function(name, [this, node, defined_in, name](CallArgs& args) {
      if (++call_depth_ > opts_.limits.max_call_depth) {
        --call_depth_;
        fail("macro calls nested deeper than " + std::to_string(opts_.limits.max_call_depth));
      }
      struct Depth {
        int& d;
        ~Depth() { --d; }
      } depth{call_depth_};
      if (args.positional.size() > node->params.size())
        fail("macro '" + name + "' takes not more than " + std::to_string(node->params.size()) +
             " argument(s)");
      auto s = std::make_shared<Scope>();
      s->parent = defined_in.lock();
      MINKE_CHECK(s->parent != nullptr);  // closure_scopes_ owns it for the whole render
      ScopeGuard guard(*this, s);
      for (const auto& [k, v] : args.keyword) {
        bool known = k == "caller";
        for (const auto& p : node->params) known = known || p == k;
        if (!known) fail("macro '" + name + "' takes no keyword argument '" + k + "'");
        s->vars[k] = v;
      }
      for (size_t i = 0; i < node->params.size(); ++i) {
        const std::string& p = node->params[i];
        if (i < args.positional.size()) {
          s->vars[p] = args.positional[i];
        } else if (!s->vars.count(p)) {
          s->vars[p] = node->defaults[i]
                           ? eval(*node->defaults[i])
                           : Value::undefined("parameter '" + p + "' was not provided");
        }
      }
      std::string out;
      exec(node->body, out);
      return Value(std::move(out));
    });
  }

  // ---- expressions ----

  Value lookup(const std::string& name) const {
    for (const Scope* s = scope_.get(); s; s = s->parent.get()) {
      auto it = s->vars.find(name);
      if (it != s->vars.end()) return it->second;
    }
    return Value::undefined("'" + name + "' is undefined");
  }

  Value eval(const Expr& e) {
    try {
      return eval_expr(e);  // values are sized where they are built (RenderBudget)
    } catch (const TemplateError& err) {
      if (err.located()) throw;
      throw TemplateError(at(e.line, e.column, err.what()), true);
    }
  }

  CallArgs eval_args(const Expr& e, size_t first, const std::string& callee) {
    CallArgs args;
    args.callee = callee;
    for (size_t i = first; i < e.args.size(); ++i) args.positional.push_back(eval(*e.args[i]));
    for (const auto& [k, v] : e.kwargs) args.keyword.emplace_back(k, eval(*v));
    return args;
  }

  Value apply_filter_chain(const Expr& f, const Value& input) {
    Value in = f.args[0]
                   ? (f.args[0]->kind == Expr::Kind::kFilter ? apply_filter_chain(*f.args[0], input)
                                                             : eval(*f.args[0]))
                   : input;
    CallArgs args = eval_args(f, 1, f.name);
    return apply_filter(f.name, in, args);
  }

  Value eval_call(const Expr& e, const Value* caller) {
    Value fn = eval(*e.args[0]);
    require_defined(fn);
    if (!fn.is_function()) fail("'" + fn.type_name() + "' object is not callable");
    CallArgs args = eval_args(e, 1, fn.function_name());
    if (caller) args.keyword.emplace_back("caller", *caller);
    return fn.call(args);
  }

  Value eval_expr(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.value;
      case Expr::Kind::kName:
        return lookup(e.name);
      case Expr::Kind::kList:
      case Expr::Kind::kTuple: {
        ValueList items;
        for (const auto& a : e.args) items.push_back(eval(*a));
        return Value::list(std::move(items), e.kind == Expr::Kind::kTuple);
      }
      case Expr::Kind::kDict: {
        Value d = Value::dict();
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
          Value k = eval(*e.args[i]);
          if (!k.is_string())
            fail("unsupported construct: dict key of type '" + k.type_name() + "'");
          d.set(k.str(), eval(*e.args[i + 1]));
        }
        return d;
      }
      case Expr::Kind::kGetAttr:
        return get_attribute(eval(*e.args[0]), e.name);
      case Expr::Kind::kGetItem:
        return get_item(eval(*e.args[0]), eval(*e.args[1]));
      case Expr::Kind::kSlice: {
        Value obj = eval(*e.args[0]);
        auto part = [&](int i) { return e.args[i] ? eval(*e.args[i]) : Value::none(); };
        return get_slice(obj, part(1), part(2), part(3));
      }
      case Expr::Kind::kCall:
        return eval_call(e, nullptr);
      case Expr::Kind::kFilter:
        return apply_filter_chain(e, Value());
      case Expr::Kind::kTest: {
        Value v = eval(*e.args[0]);
        CallArgs args = eval_args(e, 1, e.name);
        return Value(apply_test(e.name, v, args) != e.negated);
      }
      case Expr::Kind::kUnary: {
        Value v = eval(*e.args[0]);
        if (e.name == "not") return Value(!v.truthy());
        require_defined(v);
        if (!v.is_number())
          fail("bad operand type for unary " + e.name + ": '" + v.type_name() + "'");
        if (e.name == "+") return v.is_bool() ? Value(v.as_int()) : v;
        if (v.is_float()) return Value(-v.as_float());
        if (v.as_int() == INT64_MIN) fail("integer overflow");
        return Value(-v.as_int());
      }
      case Expr::Kind::kBinary: {
        if (e.name == "and") {
          Value l = eval(*e.args[0]);
          return l.truthy() ? eval(*e.args[1]) : l;
        }
        if (e.name == "or") {
          Value l = eval(*e.args[0]);
          return l.truthy() ? l : eval(*e.args[1]);
        }
        Value l = eval(*e.args[0]);
        Value r = eval(*e.args[1]);
        if (e.name == "~") return Value(l.to_str() + r.to_str());
        return arithmetic(e.name, l, r, opts_.limits.max_output_bytes);
      }
      case Expr::Kind::kCompare: {
        Value l = eval(*e.args[0]);
        for (size_t i = 0; i < e.ops.size(); ++i) {
          Value r = eval(*e.args[i + 1]);
          if (!compare_values(e.ops[i], l, r)) return Value(false);
          l = std::move(r);
        }
        return Value(true);
      }
      case Expr::Kind::kCondition: {
        if (eval(*e.args[1]).truthy()) return eval(*e.args[0]);
        if (e.args[2]) return eval(*e.args[2]);
        return Value::undefined(
            "the inline if-expression evaluated to false and no else section was defined.");
      }
    }
    return Value();
  }

  void track_namespace(const Value& ns) {
    // Forget namespaces already freed, so a loop creating many keeps this list short.
    if (namespaces_.size() >= namespaces_compact_at_) {
      std::erase_if(namespaces_, [](const auto& h) { return h.expired(); });
      namespaces_compact_at_ = std::max<size_t>(64, 2 * namespaces_.size());
    }
    namespaces_.push_back(ns.namespace_handle());
  }

  EvalOptions opts_;
  ScopePtr scope_;
  std::vector<ScopePtr> closure_scopes_;  // scopes macros were defined in (see Scope)
  std::vector<std::weak_ptr<ValueDict>> namespaces_;
  size_t namespaces_compact_at_ = 64;
  int64_t iterations_ = 0;
  int call_depth_ = 0;
};

}  // namespace

std::string render_nodes(const NodeList& root, const Value& variables, const EvalOptions& options) {
  RenderBudget budget(options.limits);
  Evaluator ev(variables, options);
  return ev.render(root);
}

}  // namespace minke::chat
