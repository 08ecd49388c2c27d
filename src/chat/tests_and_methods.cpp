// jinja2 tests (`is defined`, `is string`, ...), attribute and item access, and the Python
// methods of str/dict/list that chat templates call, as jinja2's ImmutableSandboxedEnvironment
// allows them (methods that mutate a list or dict are refused, as the sandbox refuses them).
#include <cmath>
#include <map>

#include "chat/builtins.h"
#include "chat/py_str.h"
#include "chat/render_budget.h"
#include "chat/template_error.h"

namespace minke::chat {

Value replaced(const std::string& s, const std::string& old, const std::string& repl,
               int64_t count) {
  RenderBudget::growing(py::replaced_size(s, old, repl, count));
  return Value(py::replace(s, old, repl, count));
}

void require_defined(const Value& v) {
  if (v.is_undefined()) fail(v.undefined_hint().empty() ? "undefined value" : v.undefined_hint());
}

ValueList iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return {};
    case Value::Kind::kList:
      return v.items();
    case Value::Kind::kDict: {
      if (v.is_namespace()) fail("'Namespace' object is not iterable");
      ValueList keys;
      for (const auto& kv : v.entries()) keys.push_back(Value(kv.first));
      return keys;
    }
    case Value::Kind::kString: {
      ValueList chars;
      for (char32_t c : py::decode(v.str())) {
        std::string s;
        py::append_utf8(s, c);
        chars.push_back(Value(std::move(s)));
      }
      return chars;
    }
    default:
      fail("'" + v.type_name() + "' object is not iterable");
  }
}

bool contains(const Value& haystack, const Value& needle) {
  if (haystack.is_string()) {
    if (needle.is_undefined()) return false;
    if (!needle.is_string())
      fail("'in <string>' requires string as left operand, not " + needle.type_name());
    return haystack.str().find(needle.str()) != std::string::npos;
  }
  if (haystack.is_dict()) {
    return needle.is_string() && haystack.find(needle.str()) != nullptr;
  }
  if (haystack.is_list()) {
    for (const auto& item : haystack.items())
      if (values_equal(item, needle)) return true;
    return false;
  }
  if (haystack.is_undefined()) return false;
  fail("argument of type '" + haystack.type_name() + "' is not iterable");
}

namespace {

using TestFn = bool (*)(const Value&, CallArgs&);

bool is_true_value(const Value& v) { return v.is_bool() && v.as_bool(); }

const std::map<std::string, TestFn>& tests() {
  static const std::map<std::string, TestFn> kTests = {
      {"defined", [](const Value& v, CallArgs&) { return !v.is_undefined(); }},
      {"undefined", [](const Value& v, CallArgs&) { return v.is_undefined(); }},
      {"none", [](const Value& v, CallArgs&) { return v.is_none(); }},
      {"string", [](const Value& v, CallArgs&) { return v.is_string(); }},
      {"number", [](const Value& v, CallArgs&) { return v.is_number(); }},
      {"integer", [](const Value& v, CallArgs&) { return v.is_int(); }},
      {"float", [](const Value& v, CallArgs&) { return v.is_float(); }},
      {"boolean", [](const Value& v, CallArgs&) { return v.is_bool(); }},
      {"true", [](const Value& v, CallArgs&) { return is_true_value(v); }},
      {"false", [](const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); }},
      {"mapping", [](const Value& v, CallArgs&) { return v.is_dict(); }},
      {"iterable",
       [](const Value& v, CallArgs&) {
         return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
       }},
      {"sequence",
       [](const Value& v, CallArgs&) {
         return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
       }},
      {"callable", [](const Value& v, CallArgs&) { return v.is_function(); }},
      {"odd",
       [](const Value& v, CallArgs&) {
         require_defined(v);
         return ((v.as_int() % 2) + 2) % 2 == 1;
       }},
      {"even",
       [](const Value& v, CallArgs&) {
         require_defined(v);
         return v.as_int() % 2 == 0;
       }},
      {"divisibleby",
       [](const Value& v, CallArgs& a) {
         int64_t n = a.get(0, "num").as_int();
         if (n == 0) fail("integer division or modulo by zero");
         return v.as_int() % n == 0;
       }},
      {"eq", [](const Value& v, CallArgs& a) { return values_equal(v, a.get(0, "other")); }},
      {"ne", [](const Value& v, CallArgs& a) { return !values_equal(v, a.get(0, "other")); }},
      {"lt", [](const Value& v, CallArgs& a) { return values_less(v, a.get(0, "other")); }},
      {"gt", [](const Value& v, CallArgs& a) { return values_less(a.get(0, "other"), v); }},
      {"le", [](const Value& v, CallArgs& a) { return !values_less(a.get(0, "other"), v); }},
      {"ge", [](const Value& v, CallArgs& a) { return !values_less(v, a.get(0, "other")); }},
      {"in", [](const Value& v, CallArgs& a) { return contains(a.get(0, "seq"), v); }},
      {"sameas",
       [](const Value& v, CallArgs& a) {
         Value o = a.get(0, "other");
         // Python identity: singletons (None, True, False) compare by value here.
         if (v.kind() != o.kind()) return false;
         if (v.is_none() || v.is_bool() || v.is_undefined()) return values_equal(v, o);
         return false;
       }},
      {"lower",
       [](const Value& v, CallArgs&) { return v.is_string() && py::lower(v.str()) == v.str(); }},
      {"upper",
       [](const Value& v, CallArgs&) { return v.is_string() && py::upper(v.str()) == v.str(); }},
  };
  return kTests;
}

const std::map<std::string, std::string>& test_aliases() {
  static const std::map<std::string, std::string> kAliases = {
      {"equalto", "eq"},     {"==", "eq"}, {"!=", "ne"}, {"lessthan", "lt"}, {"<", "lt"},
      {"greaterthan", "gt"}, {">", "gt"},  {"<=", "le"}, {">=", "ge"}};
  return kAliases;
}

std::string canonical_test(const std::string& name) {
  auto it = test_aliases().find(name);
  return it == test_aliases().end() ? name : it->second;
}

// Python object_type_repr, as jinja2's undefined messages write it.
std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_namespace()) return "jinja2.utils.Namespace object";
  return v.type_name() + " object";
}

Value missing_attribute(const Value& obj, const std::string& name) {
  return Value::undefined("'" + object_type_repr(obj) + "' has no attribute '" + name + "'");
}

std::optional<std::string> opt_str(const Value& v, const char* what) {
  if (v.is_none() || v.is_undefined()) return std::nullopt;
  if (!v.is_string()) fail(std::string(what) + " arg must be None or str");
  return v.str();
}

Value str_list(const std::vector<std::string>& parts) {
  ValueList items;
  for (const auto& p : parts) items.push_back(Value(p));
  return Value::list(std::move(items));
}

bool prefix_test(const Value& self, const Value& arg, bool suffix) {
  auto one = [&](const Value& p) {
    if (!p.is_string()) fail("startswith first arg must be str or a tuple of str");
    const std::string& s = self.str();
    const std::string& x = p.str();
    if (x.size() > s.size()) return false;
    return suffix ? s.compare(s.size() - x.size(), x.size(), x) == 0
                  : s.compare(0, x.size(), x) == 0;
  };
  if (arg.is_list()) {
    for (const auto& p : arg.items())
      if (one(p)) return true;
    return false;
  }
  return one(arg);
}

bool all_chars(const std::string& s, int (*pred)(int)) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c >= 0x80 || !pred(c)) return false;
  return true;
}

Value string_method(const Value& self, const std::string& name, CallArgs& a) {
  const std::string& s = self.str();
  if (name == "strip" || name == "lstrip" || name == "rstrip")
    return Value(
        py::strip(s, opt_str(a.get(0, "chars"), name.c_str()), name != "rstrip", name != "lstrip"));
  if (name == "split" || name == "rsplit") {
    auto sep = opt_str(a.get(0, "sep"), name.c_str());
    if (sep && sep->empty()) fail("empty separator");
    return str_list(py::split(s, sep, a.get(1, "maxsplit", Value(-1)).as_int(), name == "rsplit"));
  }
  if (name == "splitlines") return str_list(py::splitlines(s));
  if (name == "startswith") return Value(prefix_test(self, a.get(0, "prefix"), false));
  if (name == "endswith") return Value(prefix_test(self, a.get(0, "suffix"), true));
  if (name == "replace") {
    Value o = a.get(0, "old"), n = a.get(1, "new");
    if (!o.is_string() || !n.is_string()) fail("replace() arguments must be str");
    return replaced(s, o.str(), n.str(), a.get(2, "count", Value(-1)).as_int());
  }
  if (name == "upper") return Value(py::upper(s));
  if (name == "lower") return Value(py::lower(s));
  if (name == "title") return Value(py::title_method(s));
  if (name == "capitalize") return Value(py::capitalize(s));
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    Value sub = a.get(0, "sub");
    if (!sub.is_string()) fail("must be str, not " + sub.type_name());
    int64_t r = py::find(s, sub.str(), name[0] == 'r');
    if (r < 0 && name.find("index") != std::string::npos) fail("substring not found");
    return Value(r);
  }
  if (name == "count") {
    Value sub = a.get(0, "sub");
    if (!sub.is_string()) fail("must be str, not " + sub.type_name());
    if (sub.str().empty()) return Value(static_cast<int64_t>(py::length(s) + 1));
    int64_t n = 0;
    for (size_t p = s.find(sub.str()); p != std::string::npos;
         p = s.find(sub.str(), p + sub.str().size()))
      ++n;
    return Value(n);
  }
  if (name == "join") {
    std::string out;
    bool first = true;
    for (const auto& item : iterate(a.get(0, "iterable"))) {
      if (!item.is_string())
        fail("sequence item: expected str instance, " + item.type_name() + " found");
      if (!first) out += s;
      first = false;
      out += item.str();
    }
    return Value(std::move(out));
  }
  if (name == "isdigit") return Value(all_chars(s, isdigit));
  if (name == "isalpha") return Value(all_chars(s, isalpha));
  if (name == "isalnum") return Value(all_chars(s, isalnum));
  if (name == "isspace") return Value(all_chars(s, isspace));
  fail("unsupported method 'str." + name + "'");
}

Value dict_method(const Value& self, const std::string& name, CallArgs& a) {
  if (name == "items") {
    ValueList items;
    for (const auto& [k, v] : self.entries()) items.push_back(Value::list({Value(k), v}, true));
    return Value::list(std::move(items));
  }
  if (name == "keys" || name == "values") {
    ValueList items;
    for (const auto& [k, v] : self.entries()) items.push_back(name == "keys" ? Value(k) : v);
    return Value::list(std::move(items));
  }
  // get
  Value key = a.get(0, "key");
  const Value* v = key.is_string() ? self.find(key.str()) : nullptr;
  return v ? *v : a.get(1, "default", Value::none());
}

Value list_method(const Value& self, const std::string& name, CallArgs& a) {
  Value x = a.get(0, "value");
  int64_t n = 0;
  for (size_t i = 0; i < self.items().size(); ++i) {
    if (values_equal(self.items()[i], x)) {
      if (name == "index") return Value(static_cast<int64_t>(i));
      ++n;
    }
  }
  if (name == "index") fail(x.repr() + " is not in list");
  return Value(n);
}

bool one_of(const std::string& name, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (name == n) return true;
  return false;
}

Value bound(const Value& self, const std::string& name,
            Value (*fn)(const Value&, const std::string&, CallArgs&)) {
  return Value::function(self.type_name() + "." + name,
                         [self, name, fn](CallArgs& a) { return fn(self, name, a); });
}

}  // namespace

bool has_test(const std::string& name) { return tests().count(canonical_test(name)) > 0; }

bool apply_test(const std::string& name, const Value& input, CallArgs& args) {
  return tests().at(canonical_test(name))(input, args);
}

Value get_attribute(const Value& obj, const std::string& name) {
  require_defined(obj);
  if (obj.is_namespace()) {
    const Value* v = obj.find(name);
    return v ? *v : missing_attribute(obj, name);
  }
  if (obj.is_dict()) {
    if (one_of(name, {"items", "keys", "values", "get"})) return bound(obj, name, dict_method);
    if (one_of(name, {"pop", "popitem", "setdefault", "update", "clear"}))
      fail("access to attribute '" + name + "' of 'dict' object is unsafe.");
    const Value* v = obj.find(name);
    return v ? *v : missing_attribute(obj, name);
  }
  if (obj.is_string()) {
    if (one_of(name, {"strip",      "lstrip",   "rstrip",  "split",   "rsplit", "splitlines",
                      "startswith", "endswith", "replace", "upper",   "lower",  "title",
                      "capitalize", "find",     "rfind",   "index",   "rindex", "count",
                      "join",       "isdigit",  "isalpha", "isalnum", "isspace"}))
      return bound(obj, name, string_method);
    if (one_of(name, {"format", "format_map", "zfill", "center", "ljust", "rjust", "partition",
                      "rpartition", "casefold", "swapcase", "expandtabs", "encode", "translate",
                      "removeprefix", "removesuffix", "islower", "isupper", "istitle"}))
      fail("unsupported method 'str." + name + "'");
    return missing_attribute(obj, name);
  }
  if (obj.is_list()) {
    if (one_of(name, {"index", "count"})) return bound(obj, name, list_method);
    if (one_of(name, {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"}))
      fail("access to attribute '" + name + "' of '" + obj.type_name() + "' object is unsafe.");
    return missing_attribute(obj, name);
  }
  return missing_attribute(obj, name);
}

Value get_item(const Value& obj, const Value& key) {
  require_defined(obj);
  if (obj.is_dict() || obj.is_namespace()) {
    if (key.is_string()) {
      if (obj.is_dict()) {
        const Value* v = obj.find(key.str());
        if (v) return *v;
      }
      return get_attribute(obj, key.str());
    }
    return Value::undefined(object_type_repr(obj) + " has no element " + key.repr());
  }
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t i = key.as_int();
    if (obj.is_list()) {
      int64_t n = static_cast<int64_t>(obj.items().size());
      if (i < 0) i += n;
      if (i < 0 || i >= n)
        return Value::undefined(object_type_repr(obj) + " has no element " + key.repr());
      return obj.items()[i];
    }
    std::vector<char32_t> cps = py::decode(obj.str());
    int64_t n = static_cast<int64_t>(cps.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n)
      return Value::undefined(object_type_repr(obj) + " has no element " + key.repr());
    std::string s;
    py::append_utf8(s, cps[i]);
    return Value(std::move(s));
  }
  if (key.is_string()) return get_attribute(obj, key.str());
  if (obj.is_none()) fail("'NoneType' object is not subscriptable");
  return Value::undefined(object_type_repr(obj) + " has no element " + key.repr());
}

Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  require_defined(obj);
  if (!obj.is_list() && !obj.is_string())
    fail("'" + obj.type_name() + "' object is not subscriptable");
  for (const Value* v : {&start, &stop, &step})
    if (!v->is_none() && !v->is_int() && !v->is_bool())
      fail("slice indices must be integers or None");
  std::vector<char32_t> cps;
  if (obj.is_string()) cps = py::decode(obj.str());
  int64_t n =
      obj.is_string() ? static_cast<int64_t>(cps.size()) : static_cast<int64_t>(obj.items().size());
  int64_t st = step.is_none() ? 1 : step.as_int();
  if (st == 0) fail("slice step cannot be zero");
  // Python's slice.indices().
  auto clamp = [&](const Value& v, int64_t dflt) {
    if (v.is_none()) return dflt;
    int64_t i = v.as_int();
    if (i < 0)
      i = std::max<int64_t>(i + n, st < 0 ? -1 : 0);
    else
      i = std::min<int64_t>(i, st < 0 ? n - 1 : n);
    return i;
  };
  int64_t b = clamp(start, st < 0 ? n - 1 : 0), e = clamp(stop, st < 0 ? -1 : n);
  ValueList items;
  std::vector<char32_t> out;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st) {
    if (obj.is_string())
      out.push_back(cps[i]);
    else
      items.push_back(obj.items()[i]);
  }
  if (obj.is_string()) return Value(py::encode(out));
  return Value::list(std::move(items), obj.is_tuple());
}

}  // namespace minke::chat
