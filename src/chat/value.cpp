// Value: Python object semantics for the chat-template interpreter (see value.h).
#include "chat/value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "chat/py_str.h"
#include "chat/render_budget.h"
#include "chat/template_error.h"

namespace minke::chat {
namespace {

// How deep repr and the comparisons follow lists and dicts into each other (Python stops at its
// recursion limit, 1000, with RecursionError; a chat template never comes near either).
constexpr size_t kMaxValueNesting = 512;

// One level of a comparison's recursion, counted on this thread.
class ComparisonDepth {
 public:
  ComparisonDepth() {
    if (++depth_ > kMaxValueNesting) {
      --depth_;
      fail("maximum recursion depth exceeded in comparison");
    }
  }
  ~ComparisonDepth() { --depth_; }
  ComparisonDepth(const ComparisonDepth&) = delete;
  ComparisonDepth& operator=(const ComparisonDepth&) = delete;

 private:
  static thread_local size_t depth_;
};
thread_local size_t ComparisonDepth::depth_ = 0;

}  // namespace

std::shared_ptr<const std::string> Value::empty_string() {
  static const auto kEmpty = std::make_shared<const std::string>();
  return kEmpty;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::undefined(std::string hint) {
  Value v;
  if (!hint.empty()) v.s_ = std::make_shared<const std::string>(std::move(hint));
  return v;
}

Value::~Value() {
  const bool owns_items = (list_ && list_.use_count() == 1 && !list_->empty()) ||
                          (dict_ && dict_.use_count() == 1 && !dict_->empty());
  if (!owns_items) return;
  std::vector<Value> pending;
  release_children(pending);
  while (!pending.empty()) {
    Value v = std::move(pending.back());
    pending.pop_back();
    v.release_children(pending);
  }  // each v goes with its containers already empty
}

void Value::release_children(std::vector<Value>& out) {
  if (list_ && list_.use_count() == 1) {
    for (Value& x : *list_) out.push_back(std::move(x));
    list_->clear();
  }
  if (dict_ && dict_.use_count() == 1) {
    for (auto& entry : *dict_) out.push_back(std::move(entry.second));
    dict_->clear();
  }
}

Value::Value(bool b) : kind_(Kind::kBool), b_(b) {}
Value::Value(int64_t i) : kind_(Kind::kInt), i_(i) {}
Value::Value(double d) : kind_(Kind::kFloat), d_(d) {}
Value::Value(std::string s)
    : kind_(Kind::kString), s_(std::make_shared<const std::string>(std::move(s))) {
  RenderBudget::built(s_->size());
}

Value Value::list(ValueList items, bool is_tuple) {
  RenderBudget::built(items.size(), sizeof(Value));
  Value v;
  v.kind_ = Kind::kList;
  v.is_tuple_ = is_tuple;
  v.list_ = std::make_shared<ValueList>(std::move(items));
  return v;
}

Value Value::dict(ValueDict items) {
  Value v;
  v.kind_ = Kind::kDict;
  v.dict_ = std::make_shared<ValueDict>(std::move(items));
  return v;
}

Value Value::name_space(ValueDict items) {
  Value v = dict(std::move(items));
  v.is_namespace_ = true;
  return v;
}

Value Value::function(std::string name, Function fn) {
  Value v;
  v.kind_ = Kind::kFunction;
  v.s_ = std::make_shared<const std::string>(std::move(name));
  v.fn_ = std::make_shared<const Function>(std::move(fn));
  return v;
}

Value Value::from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
      return none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      ValueList items;
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      ValueDict items;
      for (auto it = j.begin(); it != j.end(); ++it)
        items.emplace_back(it.key(), from_json(it.value()));
      return dict(std::move(items));
    }
    default:
      return undefined();
  }
}

const Value* Value::find(const std::string& key) const {
  if (kind_ != Kind::kDict) return nullptr;
  for (const auto& [k, v] : *dict_)
    if (k == key) return &v;
  return nullptr;
}

void Value::set(const std::string& key, Value v) {
  for (auto& [k, old] : *dict_) {
    if (k == key) {
      old = std::move(v);
      return;
    }
  }
  dict_->emplace_back(key, std::move(v));
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kFloat:
      return d_ != 0;
    case Kind::kString:
      return !s_->empty();
    case Kind::kList:
      return !list_->empty();
    case Kind::kDict:
      return is_namespace_ || !dict_->empty();
    case Kind::kFunction:
      return true;
  }
  return false;
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  // Shortest digits that round-trip, then Python's layout: fixed for 1e-4 <= |d| < 1e16.
  char buf[64];
  int precision = 1;
  for (; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string s = buf;
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  size_t e = s.find('e');
  int exp = std::atoi(s.c_str() + e + 1);
  std::string digits = s.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out = "0." + std::string(-exp - 1, '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exp + 1) {
      out = digits + std::string(exp + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  }
  return neg ? "-" + out : out;
}

std::string Value::to_str() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "";
    case Kind::kString:
      return *s_;
    default:
      return repr();
  }
}

std::string Value::repr() const {
  std::string out;
  std::vector<const void*> open;
  repr_into(out, open);
  return out;
}

// Python's repr, with its guards: a list or dict met again inside itself (a namespace can hold
// itself) prints as [...] or {...}, nesting past Python's recursion limit fails, and the text
// stops at the render's value size (RenderBudget) instead of growing without bound.
void Value::repr_into(std::string& out, std::vector<const void*>& open) const {
  const auto enter = [&](const void* p) {
    if (std::find(open.begin(), open.end(), p) != open.end()) return false;
    if (open.size() >= kMaxValueNesting) fail("maximum recursion depth exceeded in repr()");
    open.push_back(p);
    return true;
  };
  switch (kind_) {
    case Kind::kList: {
      if (!enter(list_.get())) {
        out += is_tuple_ ? "(...)" : "[...]";
        return;
      }
      out += is_tuple_ ? "(" : "[";
      for (size_t i = 0; i < list_->size(); ++i) {
        if (i) out += ", ";
        (*list_)[i].repr_into(out, open);
        RenderBudget::growing(out.size());
      }
      if (is_tuple_ && list_->size() == 1) out += ",";
      out += is_tuple_ ? ")" : "]";
      open.pop_back();
      return;
    }
    case Kind::kDict: {
      out += is_namespace_ ? "<Namespace {" : "{";
      if (!enter(dict_.get())) {
        out += is_namespace_ ? "...}>" : "...}";
        return;
      }
      bool first = true;
      for (const auto& [k, v] : *dict_) {
        if (!first) out += ", ";
        first = false;
        out += py::repr(k) + ": ";
        v.repr_into(out, open);
        RenderBudget::growing(out.size());
      }
      out += is_namespace_ ? "}>" : "}";
      open.pop_back();
      return;
    }
    default:
      out += scalar_repr();
  }
}

std::string Value::scalar_repr() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return b_ ? "True" : "False";
    case Kind::kInt:
      return std::to_string(i_);
    case Kind::kFloat:
      return float_repr(d_);
    case Kind::kString:
      return py::repr(*s_);
    case Kind::kList:
    case Kind::kDict:
      return "";
    case Kind::kFunction:
      return "<function " + *s_ + ">";
  }
  return "";
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kList:
      return is_tuple_ ? "tuple" : "list";
    case Kind::kDict:
      return is_namespace_ ? "Namespace" : "dict";
    case Kind::kFunction:
      return "function";
  }
  return "object";
}

namespace {

void json_write(const Value& v, std::string& out, int indent, int depth, bool ensure_ascii,
                const std::string& item_sep, const std::string& key_sep, bool sort_keys) {
  if (depth > 512) fail("tojson: value nested too deeply");
  RenderBudget::growing(out.size());
  auto newline = [&](int d) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent) * d, ' ');
  };
  switch (v.kind()) {
    case Value::Kind::kNone:
      out += "null";
      return;
    case Value::Kind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kInt:
      out += std::to_string(v.as_int());
      return;
    case Value::Kind::kFloat: {
      double d = v.as_float();
      out += std::isnan(d)   ? "NaN"
             : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity")
                             : float_repr(d);
      return;
    }
    case Value::Kind::kString:
      out += py::json_quote(v.str(), ensure_ascii);
      return;
    case Value::Kind::kList: {
      if (v.items().empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out += item_sep;
        newline(depth + 1);
        json_write(v.items()[i], out, indent, depth + 1, ensure_ascii, item_sep, key_sep,
                   sort_keys);
      }
      newline(depth);
      out += ']';
      return;
    }
    case Value::Kind::kDict: {
      if (v.is_namespace()) fail("Object of type Namespace is not JSON serializable");
      if (v.entries().empty()) {
        out += "{}";
        return;
      }
      std::vector<const std::pair<std::string, Value>*> entries;
      for (const auto& e : v.entries()) entries.push_back(&e);
      if (sort_keys)
        std::stable_sort(entries.begin(), entries.end(),
                         [](auto* a, auto* b) { return a->first < b->first; });
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += item_sep;
        newline(depth + 1);
        out += py::json_quote(entries[i]->first, ensure_ascii);
        out += key_sep;
        json_write(entries[i]->second, out, indent, depth + 1, ensure_ascii, item_sep, key_sep,
                   sort_keys);
      }
      newline(depth);
      out += '}';
      return;
    }
    default:
      fail("Object of type " + v.type_name() + " is not JSON serializable");
  }
}

}  // namespace

std::string Value::to_json(int indent, bool ensure_ascii, const std::string& item_sep,
                           const std::string& key_sep, bool sort_keys) const {
  std::string out;
  json_write(*this, out, indent, 0, ensure_ascii, item_sep, key_sep, sort_keys);
  return out;
}

Value CallArgs::get(size_t i, const std::string& name, Value fallback) const {
  if (i < positional.size()) return positional[i];
  for (const auto& [k, v] : keyword)
    if (k == name) return v;
  return fallback;
}

bool CallArgs::has(size_t i, const std::string& name) const {
  if (i < positional.size()) return true;
  for (const auto& kv : keyword)
    if (kv.first == name) return true;
  return false;
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.str() == b.str();
    case Value::Kind::kList: {
      if (&a.items() == &b.items()) return true;  // the same list, as Python's `is` shortcut
      if (a.items().size() != b.items().size() || a.is_tuple() != b.is_tuple()) return false;
      const ComparisonDepth level;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!values_equal(a.items()[i], b.items()[i])) return false;
      return true;
    }
    case Value::Kind::kDict: {
      if (a.is_namespace() || b.is_namespace()) return &a.entries() == &b.entries();
      if (&a.entries() == &b.entries()) return true;
      if (a.entries().size() != b.entries().size()) return false;
      const ComparisonDepth level;
      for (const auto& [k, v] : a.entries()) {
        const Value* o = b.find(k);
        if (!o || !values_equal(v, *o)) return false;
      }
      return true;
    }
    case Value::Kind::kFunction:
      return a.function_name() == b.function_name();
    default:
      return false;
  }
}

bool values_less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() < b.as_float();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();  // UTF-8 order = code points
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const auto &x = a.items(), &y = b.items();
    const ComparisonDepth level;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!values_equal(x[i], y[i])) return values_less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  fail("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() +
       "'");
}

}  // namespace minke::chat
