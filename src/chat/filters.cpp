// jinja2's built-in filters as chat templates use them, plus transformers' own `tojson`
// (json.dumps with ensure_ascii=False, indent, separators, sort_keys; no HTML escaping).
#include <algorithm>
#include <cmath>
#include <map>

#include "chat/builtins.h"
#include "chat/py_str.h"
#include "chat/render_budget.h"
#include "chat/template_error.h"

namespace minke::chat {
namespace {

using FilterFn = Value (*)(const Value&, CallArgs&);

ValueList list_of(const Value& v) { return iterate(v); }

// jinja2's make_attrgetter: "a.b.0" walks items with environment.getitem.
Value attr_path(const Value& item, const Value& attribute) {
  if (attribute.is_int()) return get_item(item, attribute);
  Value cur = item;
  std::string path = attribute.to_str();
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    cur = get_item(cur, digits ? Value(static_cast<int64_t>(std::stoll(part))) : Value(part));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value(py::lower(v.str()));
  return v;
}

Value filter_tojson(const Value& v, CallArgs& a) {
  Value indent = a.get(1, "indent", Value::none());
  Value seps = a.get(2, "separators", Value::none());
  bool ensure_ascii = a.get(0, "ensure_ascii", Value(false)).truthy();
  bool sort_keys = a.get(3, "sort_keys", Value(false)).truthy();
  int ind = -1;
  if (indent.is_int())
    ind = static_cast<int>(std::clamp<int64_t>(indent.as_int(), 0, 64));
  else if (!indent.is_none())
    fail("tojson: indent must be an integer");
  std::string item_sep = ind >= 0 ? "," : ", ", key_sep = ": ";
  if (seps.is_list()) {
    if (seps.items().size() != 2 || !seps.items()[0].is_string() || !seps.items()[1].is_string())
      fail("tojson: separators must be a pair of strings");
    item_sep = seps.items()[0].str();
    key_sep = seps.items()[1].str();
  }
  if (v.is_undefined()) fail("Object of type Undefined is not JSON serializable");
  return Value(v.to_json(ind, ensure_ascii, item_sep, key_sep, sort_keys));
}

Value filter_default(const Value& v, CallArgs& a) {
  bool boolean = a.get(1, "boolean", Value(false)).truthy();
  if (v.is_undefined() || (boolean && !v.truthy())) return a.get(0, "default_value", Value(""));
  return v;
}

Value filter_length(const Value& v, CallArgs&) {
  if (v.is_string()) return Value(static_cast<int64_t>(py::length(v.str())));
  if (v.is_list()) return Value(static_cast<int64_t>(v.items().size()));
  if (v.is_dict()) return Value(static_cast<int64_t>(v.entries().size()));
  if (v.is_undefined()) return Value(0);
  fail("object of type '" + v.type_name() + "' has no len()");
}

Value filter_join(const Value& v, CallArgs& a) {
  std::string sep = a.get(0, "d", Value("")).to_str();
  Value attribute = a.get(1, "attribute", Value::none());
  std::string out;
  bool first = true;
  for (const auto& item : list_of(v)) {
    if (!first) out += sep;
    first = false;
    out += (attribute.is_none() ? item : attr_path(item, attribute)).to_str();
    RenderBudget::growing(out.size());
  }
  return Value(std::move(out));
}

Value filter_first(const Value& v, CallArgs&) {
  ValueList items = list_of(v);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}

Value filter_last(const Value& v, CallArgs&) {
  ValueList items = list_of(v);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}

Value filter_items(const Value& v, CallArgs&) {
  if (v.is_undefined()) return Value::list({});
  if (!v.is_dict()) fail("Can only get item pairs from a mapping.");
  ValueList out;
  for (const auto& [k, x] : v.entries()) out.push_back(Value::list({Value(k), x}, true));
  return Value::list(std::move(out));
}

Value filter_int(const Value& v, CallArgs& a) {
  Value dflt = a.get(0, "default", Value(0));
  if (v.is_int() || v.is_bool()) return Value(v.as_int());
  if (v.is_float())
    return std::isfinite(v.as_float()) ? Value(static_cast<int64_t>(v.as_float())) : dflt;
  if (v.is_string()) {
    std::string s = py::strip(v.str(), {}, true, true);
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    char* end = nullptr;
    errno = 0;
    long long i = std::strtoll(s.c_str(), &end, a.get(1, "base", Value(10)).as_int());
    if (!s.empty() && *end == '\0' && errno == 0) return Value(static_cast<int64_t>(i));
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0' && std::isfinite(d)) return Value(static_cast<int64_t>(d));
  }
  return dflt;
}

Value filter_float(const Value& v, CallArgs& a) {
  Value dflt = a.get(0, "default", Value(0.0));
  if (v.is_number()) return Value(v.as_float());
  if (v.is_string()) {
    std::string s = py::strip(v.str(), {}, true, true);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0') return Value(d);
  }
  return dflt;
}

Value filter_round(const Value& v, CallArgs& a) {
  int64_t precision = a.get(0, "precision", Value(0)).as_int();
  std::string method = a.get(1, "method", Value("common")).to_str();
  require_defined(v);
  if (!v.is_number()) fail("type " + v.type_name() + " doesn't define __round__ method");
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = v.as_float() * scale;
  if (method == "ceil") return Value(std::ceil(x) / scale);
  if (method == "floor") return Value(std::floor(x) / scale);
  if (method != "common") fail("method must be 'common', 'ceil' or 'floor'");
  if (v.is_int() || v.is_bool()) return Value(v.as_int());  // round(int, n) stays an int
  return Value(std::nearbyint(x) / scale);                  // ties to even, as Python's round()
}

Value filter_indent(const Value& v, CallArgs& a) {
  Value width = a.get(0, "width", Value(4));
  const int64_t spaces = width.is_string() ? 0 : std::max<int64_t>(0, width.as_int());
  RenderBudget::growing(static_cast<size_t>(std::min<int64_t>(spaces, INT64_MAX / 2)));
  std::string pad = width.is_string() ? width.str() : std::string(static_cast<size_t>(spaces), ' ');
  bool first = a.get(1, "first", Value(false)).truthy();
  bool blank = a.get(2, "blank", Value(false)).truthy();
  std::vector<std::string> lines = py::splitlines(v.to_str() + "\n");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += "\n";
    if (i > 0 && (blank || !lines[i].empty())) out += pad;
    out += lines[i];
    RenderBudget::growing(out.size());
  }
  return Value(first ? pad + out : out);
}

// select/reject/selectattr/rejectattr share one shape: (attribute?, test name?, test args).
Value select_impl(const Value& v, CallArgs& a, bool by_attr, bool keep) {
  size_t k = 0;
  Value attribute;
  if (by_attr) attribute = a.get(k++, "attribute");
  std::string test = a.positional.size() > k ? a.positional[k].to_str() : "";
  CallArgs test_args;
  for (size_t i = k + 1; i < a.positional.size(); ++i)
    test_args.positional.push_back(a.positional[i]);
  if (!test.empty() && !has_test(test)) fail("unsupported test '" + test + "'");
  ValueList out;
  for (const auto& item : list_of(v)) {
    Value x = by_attr ? attr_path(item, attribute) : item;
    bool ok = test.empty() ? x.truthy() : apply_test(test, x, test_args);
    if (ok == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value filter_map(const Value& v, CallArgs& a) {
  ValueList out;
  Value attribute = a.get(99, "attribute");
  if (!attribute.is_undefined()) {
    Value dflt = a.get(99, "default");
    for (const auto& item : list_of(v)) {
      Value x = attr_path(item, attribute);
      out.push_back(x.is_undefined() && !dflt.is_undefined() ? dflt : x);
    }
    return Value::list(std::move(out));
  }
  if (a.positional.empty()) fail("map requires a filter name or attribute=");
  std::string name = a.positional[0].to_str();
  if (!has_filter(name)) fail("unsupported filter '" + name + "'");
  for (const auto& item : list_of(v)) {
    CallArgs fa;
    fa.positional.assign(a.positional.begin() + 1, a.positional.end());
    fa.keyword = a.keyword;
    out.push_back(apply_filter(name, item, fa));
  }
  return Value::list(std::move(out));
}

Value filter_sort(const Value& v, CallArgs& a) {
  bool reverse = a.get(0, "reverse", Value(false)).truthy();
  bool cs = a.get(1, "case_sensitive", Value(false)).truthy();
  Value attribute = a.get(2, "attribute", Value::none());
  ValueList items = list_of(v);
  auto key = [&](const Value& x) {
    return sort_key(attribute.is_none() ? x : attr_path(x, attribute), cs);
  };
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    return reverse ? values_less(key(y), key(x)) : values_less(key(x), key(y));
  });
  return Value::list(std::move(items));
}

Value filter_dictsort(const Value& v, CallArgs& a) {
  bool cs = a.get(0, "case_sensitive", Value(false)).truthy();
  bool by_value = a.get(1, "by", Value("key")).to_str() == "value";
  bool reverse = a.get(2, "reverse", Value(false)).truthy();
  if (!v.is_dict()) fail("You can only sort by either \"key\" or \"value\"");
  ValueList items = filter_items(v, a).items();
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    Value kx = sort_key(x.items()[by_value], cs), ky = sort_key(y.items()[by_value], cs);
    return reverse ? values_less(ky, kx) : values_less(kx, ky);
  });
  return Value::list(std::move(items));
}

Value filter_unique(const Value& v, CallArgs& a) {
  bool cs = a.get(0, "case_sensitive", Value(false)).truthy();
  Value attribute = a.get(1, "attribute", Value::none());
  ValueList out, seen;
  for (const auto& item : list_of(v)) {
    Value k = sort_key(attribute.is_none() ? item : attr_path(item, attribute), cs);
    bool dup = false;
    for (const auto& s : seen) dup = dup || values_equal(s, k);
    if (dup) continue;
    seen.push_back(k);
    out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value filter_minmax(const Value& v, CallArgs& a, bool want_max) {
  bool cs = a.get(0, "case_sensitive", Value(false)).truthy();
  Value attribute = a.get(1, "attribute", Value::none());
  ValueList items = list_of(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  auto key = [&](const Value& x) {
    return sort_key(attribute.is_none() ? x : attr_path(x, attribute), cs);
  };
  Value best = items[0];
  for (const auto& x : items)
    if (want_max ? values_less(key(best), key(x)) : values_less(key(x), key(best))) best = x;
  return best;
}

Value filter_sum(const Value& v, CallArgs& a) {
  Value attribute = a.get(0, "attribute", Value::none());
  Value total = a.get(1, "start", Value(0));
  for (const auto& item : list_of(v)) {
    Value x = attribute.is_none() ? item : attr_path(item, attribute);
    if (!x.is_number() || !total.is_number())
      fail("unsupported operand type(s) for +: '" + total.type_name() + "' and '" + x.type_name() +
           "'");
    total = total.is_float() || x.is_float() ? Value(total.as_float() + x.as_float())
                                             : Value(total.as_int() + x.as_int());
  }
  return total;
}

Value filter_batch(const Value& v, CallArgs& a) {
  int64_t n = a.get(0, "linecount").as_int();
  if (n <= 0) fail("batch: linecount must be positive");
  RenderBudget::growing(static_cast<size_t>(n));  // a list of n items, filled
  Value fill = a.get(1, "fill_with", Value::none());
  ValueList out, cur;
  for (const auto& item : list_of(v)) {
    cur.push_back(item);
    if (static_cast<int64_t>(cur.size()) == n) {
      out.push_back(Value::list(std::move(cur)));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (!fill.is_none())
      while (static_cast<int64_t>(cur.size()) < n) cur.push_back(fill);
    out.push_back(Value::list(std::move(cur)));
  }
  return Value::list(std::move(out));
}

Value filter_escape(const Value& v, CallArgs&) {
  std::string out;
  for (char c : v.to_str()) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return Value(std::move(out));
}

Value filter_wordcount(const Value& v, CallArgs&) {
  int64_t n = 0;
  bool in_word = false;
  for (char32_t c : py::decode(v.to_str())) {
    bool w = c == '_' || (c < 0x80 ? std::isalnum(static_cast<int>(c)) != 0 : !py::is_space(c));
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(n);
}

Value filter_replace(const Value& v, CallArgs& a) {
  Value count = a.get(2, "count", Value::none());
  return replaced(v.to_str(), a.get(0, "old").to_str(), a.get(1, "new").to_str(),
                  count.is_none() ? -1 : count.as_int());
}

const std::map<std::string, FilterFn>& filters() {
  static const std::map<std::string, FilterFn> kFilters = {
      {"tojson", filter_tojson},
      {"default", filter_default},
      {"d", filter_default},
      {"length", filter_length},
      {"count", filter_length},
      {"trim",
       [](const Value& v, CallArgs& a) {
         Value chars = a.get(0, "chars", Value::none());
         return Value(
             py::strip(v.to_str(),
                       chars.is_none() ? std::nullopt : std::optional<std::string>(chars.to_str()),
                       true, true));
       }},
      {"upper", [](const Value& v, CallArgs&) { return Value(py::upper(v.to_str())); }},
      {"lower", [](const Value& v, CallArgs&) { return Value(py::lower(v.to_str())); }},
      {"capitalize", [](const Value& v, CallArgs&) { return Value(py::capitalize(v.to_str())); }},
      {"title", [](const Value& v, CallArgs&) { return Value(py::title_filter(v.to_str())); }},
      {"replace", filter_replace},
      {"join", filter_join},
      {"first", filter_first},
      {"last", filter_last},
      {"list", [](const Value& v, CallArgs&) { return Value::list(list_of(v)); }},
      {"items", filter_items},
      {"string", [](const Value& v, CallArgs&) { return Value(v.to_str()); }},
      {"int", filter_int},
      {"float", filter_float},
      {"abs",
       [](const Value& v, CallArgs&) {
         require_defined(v);
         if (!v.is_number()) fail("bad operand type for abs(): '" + v.type_name() + "'");
         return v.is_float() ? Value(std::fabs(v.as_float()))
                             : Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
       }},
      {"round", filter_round},
      {"safe", [](const Value& v, CallArgs&) { return v.is_string() ? v : Value(v.to_str()); }},
      {"escape", filter_escape},
      {"e", filter_escape},
      {"indent", filter_indent},
      {"map", filter_map},
      {"select", [](const Value& v, CallArgs& a) { return select_impl(v, a, false, true); }},
      {"reject", [](const Value& v, CallArgs& a) { return select_impl(v, a, false, false); }},
      {"selectattr", [](const Value& v, CallArgs& a) { return select_impl(v, a, true, true); }},
      {"rejectattr", [](const Value& v, CallArgs& a) { return select_impl(v, a, true, false); }},
      {"unique", filter_unique},
      {"sort", filter_sort},
      {"dictsort", filter_dictsort},
      {"reverse",
       [](const Value& v, CallArgs&) {
         if (v.is_string()) {
           std::vector<char32_t> cps = py::decode(v.str());
           std::reverse(cps.begin(), cps.end());
           return Value(py::encode(cps));
         }
         ValueList items = list_of(v);
         std::reverse(items.begin(), items.end());
         return Value::list(std::move(items));
       }},
      {"min", [](const Value& v, CallArgs& a) { return filter_minmax(v, a, false); }},
      {"max", [](const Value& v, CallArgs& a) { return filter_minmax(v, a, true); }},
      {"sum", filter_sum},
      {"batch", filter_batch},
      {"wordcount", filter_wordcount},
  };
  return kFilters;
}

}  // namespace

bool has_filter(const std::string& name) { return filters().count(name) > 0; }

Value apply_filter(const std::string& name, const Value& input, CallArgs& args) {
  return filters().at(name)(input, args);
}

}  // namespace minke::chat
