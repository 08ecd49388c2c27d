// Jinja2's comparison and arithmetic operators on template Values, as Python computes them
// (see operators.h).
#include "chat/operators.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "chat/builtins.h"
#include "chat/template_error.h"

namespace minke::chat {
namespace {

// Both numbers: Python's int (overflow is an error here, not a bignum) and float semantics.
Value numeric(const std::string& op, const Value& l, const Value& r) {
  if (l.is_float() || r.is_float() || op == "/") {
    double a = l.as_float(), b = r.as_float();
    if (op == "+") return Value(a + b);
    if (op == "-") return Value(a - b);
    if (op == "*") return Value(a * b);
    if (op == "/") {
      if (b == 0) fail("division by zero");
      return Value(a / b);
    }
    if (op == "//" || op == "%") {
      if (b == 0) fail(op == "//" ? "float floor division by zero" : "float modulo");
      // CPython's float_divmod.
      double m = std::fmod(a, b);
      double div = (a - m) / b;
      if (m != 0 && ((m < 0) != (b < 0))) {
        m += b;
        div -= 1.0;
      }
      if (op == "%") return Value(m);
      double floored = std::floor(div);
      if (div - floored > 0.5) floored += 1.0;
      return Value(floored);
    }
    if (op == "**") return Value(std::pow(a, b));
  }
  int64_t a = l.as_int(), b = r.as_int(), out = 0;
  if (op == "+" && !__builtin_add_overflow(a, b, &out)) return Value(out);
  if (op == "-" && !__builtin_sub_overflow(a, b, &out)) return Value(out);
  if (op == "*" && !__builtin_mul_overflow(a, b, &out)) return Value(out);
  if (op == "//" || op == "%") {
    if (b == 0) fail("integer division or modulo by zero");
    if (a == INT64_MIN && b == -1) fail("integer overflow");
    int64_t q = a / b, m = a % b;
    if (m != 0 && ((m < 0) != (b < 0))) {
      m += b;
      --q;
    }
    return op == "%" ? Value(m) : Value(q);
  }
  if (op == "**") {
    if (b < 0) return Value(std::pow(static_cast<double>(a), static_cast<double>(b)));
    int64_t result = 1;
    for (int64_t i = 0; i < b; ++i) {
      if (__builtin_mul_overflow(result, a, &result)) fail("integer overflow");
      if (result == 0 || result == 1) break;
    }
    return Value(result);
  }
  fail("integer overflow");
}

}  // namespace

bool compare_values(const std::string& op, const Value& l, const Value& r) {
  if (op == "==") return values_equal(l, r);
  if (op == "!=") return !values_equal(l, r);
  if (op == "in") return contains(r, l);
  if (op == "notin") return !contains(r, l);
  require_defined(l);
  require_defined(r);
  try {
    if (op == "<") return values_less(l, r);
    if (op == ">") return values_less(r, l);
    if (op == "<=") return !values_less(r, l);
    return !values_less(l, r);
  } catch (const TemplateError&) {
    fail("'" + op + "' not supported between instances of '" + l.type_name() + "' and '" +
         r.type_name() + "'");
  }
}

Value arithmetic(const std::string& op, const Value& l, const Value& r, size_t limit) {
  require_defined(l);
  require_defined(r);
  if (l.is_number() && r.is_number()) return numeric(op, l, r);
  if (op == "+") {
    if (l.is_string() && r.is_string()) {
      if (l.str().size() + r.str().size() > limit) fail("string exceeds the size limit");
      return Value(l.str() + r.str());
    }
    if (l.is_list() && r.is_list() && l.is_tuple() == r.is_tuple()) {
      ValueList items = l.items();
      items.insert(items.end(), r.items().begin(), r.items().end());
      return Value::list(std::move(items), l.is_tuple());
    }
    if (l.is_string() || l.is_list())
      fail("can only concatenate " + l.type_name() + " (not \"" + r.type_name() + "\") to " +
           l.type_name());
  }
  if (op == "*" && (l.is_string() || l.is_list() || r.is_string() || r.is_list())) {
    const Value& seq = l.is_string() || l.is_list() ? l : r;
    const Value& n = &seq == &l ? r : l;
    if (n.is_int() || n.is_bool()) {
      int64_t count = std::max<int64_t>(0, n.as_int());
      size_t unit = seq.is_string() ? seq.str().size() : seq.items().size();
      if (unit > 0 && static_cast<uint64_t>(count) > limit / unit)
        fail("repeated value exceeds the size limit");
      if (seq.is_string()) {
        // Doubling: a few large copies instead of `count` small appends.
        const size_t total = unit * static_cast<size_t>(count);
        std::string s;
        s.reserve(total);
        if (count > 0) s = seq.str();
        while (s.size() < total) s.append(s, 0, std::min(s.size(), total - s.size()));
        return Value(std::move(s));
      }
      ValueList items;
      items.reserve(unit * static_cast<size_t>(count));
      for (int64_t i = 0; unit > 0 && i < count; ++i)
        items.insert(items.end(), seq.items().begin(), seq.items().end());
      return Value::list(std::move(items), seq.is_tuple());
    }
    fail("can't multiply sequence by non-int of type '" + n.type_name() + "'");
  }
  if (op == "%" && l.is_string()) fail("unsupported construct: printf-style '%' formatting");
  fail("unsupported operand type(s) for " + op + ": '" + l.type_name() + "' and '" + r.type_name() +
       "'");
}

}  // namespace minke::chat
