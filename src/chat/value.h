// Value: the dynamic value a chat template computes with, modelled on the Python objects jinja2
// sees (None, Undefined, bool, int, float, str, list/tuple, dict keeping insertion order,
// callables and namespaces), with Python's str()/repr()/==/< and truthiness rules.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace minke::chat {

class Value;
struct CallArgs;
using ValueList = std::vector<Value>;
// Dict entries in insertion order (keys are strings: that is all chat templates use).
using ValueDict = std::vector<std::pair<std::string, Value>>;
using Function = std::function<Value(CallArgs&)>;

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kFunction };

  Value() = default;  // undefined
  Value(const Value&) = default;
  Value(Value&&) noexcept = default;
  Value& operator=(const Value&) = default;
  Value& operator=(Value&&) noexcept = default;
  // Frees a list or dict it holds the last reference to without recursing once per level: a
  // template can nest lists a million deep (a loop of `[x]`).
  ~Value();
  static Value none();
  static Value undefined(std::string hint = "");
  Value(bool b);     // NOLINT: implicit on purpose, literals read naturally
  Value(int64_t i);  // NOLINT
  Value(int i) : Value(static_cast<int64_t>(i)) {}  // NOLINT
  Value(double d);                                  // NOLINT
  Value(std::string s);                             // NOLINT
  Value(const char* s) : Value(std::string(s)) {}   // NOLINT
  static Value list(ValueList items, bool is_tuple = false);
  static Value dict(ValueDict items = {});
  static Value name_space(ValueDict items = {});
  static Value function(std::string name, Function fn);
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kList && is_tuple_; }
  bool is_dict() const { return kind_ == Kind::kDict && !is_namespace_; }
  bool is_namespace() const { return kind_ == Kind::kDict && is_namespace_; }
  bool is_function() const { return kind_ == Kind::kFunction; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return is_bool() ? (b_ ? 1 : 0) : i_; }
  double as_float() const { return is_float() ? d_ : static_cast<double>(as_int()); }
  const std::string& str() const { return *s_; }
  const ValueList& items() const { return *list_; }
  ValueList& mutable_items() { return *list_; }
  const ValueDict& entries() const { return *dict_; }
  const std::string& function_name() const { return *s_; }
  Value call(CallArgs& args) const { return (*fn_)(args); }
  // Why an undefined value is undefined ("'x' is undefined", "'dict object' has no attribute
  // 'y'"): jinja2 raises with this text when the value is used.
  const std::string& undefined_hint() const { return *s_; }

  // Dict / namespace access; find() returns nullptr when absent.
  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value v);  // dicts and namespaces (shared, by reference)
  // Namespaces are the one mutable value, hence the one way Values alone can form a reference
  // cycle ({% set ns.me = ns %}). The evaluator keeps this handle to each namespace it creates
  // and empties those still alive when the render ends (a namespace never outlives its render).
  std::weak_ptr<ValueDict> namespace_handle() const { return dict_; }

  bool truthy() const;
  // Python str() as jinja2 prints it ({{ x }}): None -> "None", undefined -> "".
  std::string to_str() const;
  // Python repr(), used inside printed lists and dicts.
  std::string repr() const;
  // Python's type name for error messages ("str", "int", "NoneType", "dict").
  std::string type_name() const;
  // Python json.dumps(x, ensure_ascii, indent, separators, sort_keys) as transformers' tojson.
  std::string to_json(int indent, bool ensure_ascii, const std::string& item_sep,
                      const std::string& key_sep, bool sort_keys) const;

 private:
  // Moves the items of its list and the values of its dict out to `out` when it holds their
  // last reference (~Value's loop).
  void release_children(std::vector<Value>& out);
  void repr_into(std::string& out, std::vector<const void*>& open) const;  // repr()'s recursion
  std::string scalar_repr() const;  // repr() of a value that holds no others
  Kind kind_ = Kind::kUndefined;
  bool b_ = false;
  bool is_tuple_ = false;
  bool is_namespace_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::shared_ptr<const std::string> s_ = empty_string();
  std::shared_ptr<ValueList> list_;
  std::shared_ptr<ValueDict> dict_;
  std::shared_ptr<const Function> fn_;
  static std::shared_ptr<const std::string> empty_string();
};

// Arguments of a call: positional then keyword, as written.
struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // Name of the thing called, for error messages.
  std::string callee;
  // Positional i, else keyword `name`, else fallback; marks keywords it consumed.
  Value get(size_t i, const std::string& name, Value fallback = Value()) const;
  bool has(size_t i, const std::string& name) const;
};

// Python semantics used by the evaluator, filters and tests.
bool values_equal(const Value& a, const Value& b);
// a < b; throws TypeError text through minke::Error when the types do not order.
bool values_less(const Value& a, const Value& b);
// Python float repr (shortest round-trip: 1.0, 0.1, 1e+16, inf).
std::string float_repr(double d);

}  // namespace minke::chat
