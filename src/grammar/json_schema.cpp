// JSON Schema -> GBNF: entry points and dispatch. $ref targets become named rules (so recursive
// schemas give recursive grammars), anyOf becomes alternation, enum/const become literals, and
// the rest is split by JSON type into json_schema_containers.cpp / json_schema_scalars.cpp.
#include "grammar/json_schema.h"

#include <algorithm>

#include "grammar/grammar.h"
#include "grammar/json_schema_internal.h"
#include "minke/error.h"

namespace minke {

namespace {

// The body of a rule for an empty language: a class of no code points never matches.
constexpr const char* kNever = "[^\\x00-\\U0010FFFF]";

// Keeps the JSON pointers of $refs being resolved with no value between them (a cycle there
// would be left recursion); containers start a fresh chain.
class RefChainReset {
 public:
  explicit RefChainReset(std::vector<std::string>& chain) : chain_(chain), saved_(chain) {
    chain.clear();
  }
  ~RefChainReset() { chain_ = saved_; }

 private:
  std::vector<std::string>& chain_;
  std::vector<std::string> saved_;
};

}  // namespace

std::string gbnf_seq(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

std::string gbnf_repeat(const std::string& unit, int lo, int hi) {
  if (hi == 0) return "";
  const std::string g = "( " + unit + " )";
  if (hi == kUnbounded) {
    return lo == 0 ? g + "*" : lo == 1 ? g + "+" : g + "{" + std::to_string(lo) + ",}";
  }
  if (lo == hi) return lo == 1 ? unit : g + "{" + std::to_string(lo) + "}";
  if (lo == 0 && hi == 1) return g + "?";
  return g + "{" + std::to_string(lo) + "," + std::to_string(hi) + "}";
}

JsonSchemaTranslator::JsonSchemaTranslator(const SchemaJson& root, const JsonSchemaOptions& options)
    : root_(root), options_(options) {}

std::string JsonSchemaTranslator::translate_root() {
  const std::string name = out_.reserve("root");
  ref_rules_[""] = name;
  ref_chain_.push_back("");
  const Expr e = translate(root_, "", "root");
  ref_chain_.pop_back();
  if (!e) schema_error("no JSON value satisfies the schema", "");
  out_.define(name, *e);
  return out_.text();
}

Expr JsonSchemaTranslator::translate_alone(const SchemaJson& schema, const std::string& path) {
  const std::string name = out_.reserve("root");
  const Expr e = translate(schema, path, "root");
  if (!e) return std::nullopt;
  out_.define(name, *e);
  return out_.text();
}

std::string JsonSchemaTranslator::object_root() {
  const std::string name = out_.reserve("root");
  any_value();
  out_.define(name, object_rule_);
  return out_.text();
}

Expr JsonSchemaTranslator::translate(const SchemaJson& s, const std::string& path,
                                     const std::string& name) {
  if (s.is_boolean()) return s.get<bool>() ? Expr(any_value()) : std::nullopt;
  if (is_plain_ref(s)) return translate_ref(s["$ref"], path);
  return translate_flat(flatten_schema(root_, s, path), path, name);
}

Expr JsonSchemaTranslator::translate_ref(const SchemaJson& ref, const std::string& path) {
  std::string pointer;
  const SchemaJson& target = resolve_ref(root_, ref, path, &pointer);
  if (std::find(ref_chain_.begin(), ref_chain_.end(), pointer) != ref_chain_.end()) {
    schema_error("$ref '" + ref.get<std::string>() + "' leads back to itself with no value between",
                 path);
  }
  if (const auto it = ref_rules_.find(pointer); it != ref_rules_.end()) return it->second;
  const size_t slash = pointer.rfind('/');
  const std::string name =
      out_.reserve(slash == std::string::npos ? "root" : pointer.substr(slash + 1));
  ref_rules_[pointer] = name;  // recursive uses see the rule before it is defined
  ref_chain_.push_back(pointer);
  const Expr e = translate(target, pointer, name);
  ref_chain_.pop_back();
  out_.define(name, e ? *e : kNever);
  if (!e) ref_rules_[pointer] = std::nullopt;
  return e ? Expr(name) : std::nullopt;
}

Expr JsonSchemaTranslator::translate_flat(const SchemaJson& s, const std::string& path,
                                          const std::string& name) {
  if (s.is_boolean()) return s.get<bool>() ? Expr(any_value()) : std::nullopt;
  if (s.contains("anyOf")) return translate_any_of(s, path, name);
  if (s.contains("enum")) return translate_enum(s, path, name);
  const unsigned types = type_mask(s, path);
  if (types == kAllTypes && (s.empty() || (s.size() == 1 && s.contains("type")))) {
    return any_value();
  }
  std::vector<std::string> alts;
  for (const unsigned t :
       {kObjectType, kArrayType, kStringType, kNumberType, kIntegerType, kBooleanType, kNullType}) {
    if (!(types & t) || (t == kIntegerType && (types & kNumberType))) continue;
    if (const Expr e = translate_type(s, t, path, name)) alts.push_back(*e);
  }
  return alternatives(alts, name);
}

ValueChecker::ValueChecker(const SchemaJson& root, const SchemaJson& schema,
                           const std::string& path)
    : path_(path) {
  JsonSchemaTranslator translator(root, {.whitespace = JsonSchemaOptions::Whitespace::kCompact});
  if (const Expr gbnf = translator.translate_alone(schema, path)) grammar_ = compile_gbnf(*gbnf);
}

std::optional<bool> ValueChecker::check(const SchemaJson& value) const {
  if (!grammar_) return false;
  // Numbers in the form the number grammars decide exactly (no exponent, no "-0", no "1.0").
  const Decimal d = value.is_number() ? parse_decimal(value) : Decimal{};
  const bool plain_number = value.is_number() &&
                            static_cast<int>(d.int_digits.size()) <= kMaxIntDigits &&
                            static_cast<int>(d.frac_digits.size()) <= kMaxFracDigits;
  std::string text;
  try {
    text = plain_number ? decimal_text(d) : value.dump();
  } catch (const SchemaJson::exception&) {
    schema_error("an enum/const value is not valid UTF-8", path_);
  }
  if (grammar_matches(*grammar_, text)) return true;
  if (plain_number || value.is_string() || value.is_boolean() || value.is_null()) return false;
  return std::nullopt;
}

// S and (A or B) = (S and A) or (S and B).
Expr JsonSchemaTranslator::translate_any_of(const SchemaJson& s, const std::string& path,
                                            const std::string& name) {
  SchemaJson rest = s;
  rest.erase("anyOf");
  const SchemaJson& any = s["anyOf"];
  const std::string any_path = child_path(path, "anyOf");
  std::vector<std::string> alts;
  for (size_t i = 0; i < any.size(); ++i) {
    const std::string p = child_path(any_path, std::to_string(i));
    const std::string n = name + "-" + std::to_string(i);
    // Alone, an alternative keeps its $ref (a named rule) instead of being merged.
    const Expr e =
        rest.empty()
            ? translate(any[i], p, n)
            : translate_flat(merge_schemas(rest, flatten_schema(root_, any[i], p), p), p, n);
    if (e) alts.push_back(*e);
  }
  return alternatives(alts, name);
}

Expr JsonSchemaTranslator::translate_enum(const SchemaJson& s, const std::string& path,
                                          const std::string& name) {
  SchemaJson rest = s;
  rest.erase("enum");
  const bool type_only = rest.empty() || (rest.size() == 1 && rest.contains("type"));
  const unsigned types = type_mask(s, path);
  std::optional<ValueChecker> checker;
  if (!type_only) checker.emplace(root_, rest, path);
  std::vector<std::string> alts;
  for (const SchemaJson& v : s["enum"]) {
    if (!(type_of_value(v) & types)) continue;
    // Other keywords beside enum: keep the values that satisfy them.
    if (checker) {
      const std::optional<bool> ok = checker->check(v);
      if (!ok) {
        schema_error(
            "enum/const value " + v.dump() + " cannot be checked against the keywords beside it",
            path);
      }
      if (!*ok) continue;
    }
    try {
      alts.push_back(gbnf_literal(v.dump()));  // canonical compact JSON
    } catch (const SchemaJson::exception&) {
      schema_error("an enum/const value is not valid UTF-8", path);
    }
  }
  return alternatives(alts, name);
}

Expr JsonSchemaTranslator::translate_type(const SchemaJson& s, unsigned type,
                                          const std::string& path, const std::string& name) {
  switch (type) {
    case kObjectType: {
      RefChainReset reset(ref_chain_);
      return object_gbnf(s, path, name);
    }
    case kArrayType: {
      RefChainReset reset(ref_chain_);
      return array_gbnf(s, path, name);
    }
    case kStringType:
      return string_gbnf(s, path, name);
    case kNumberType:
      return number_gbnf(s, false, path);
    case kIntegerType:
      return number_gbnf(s, true, path);
    case kBooleanType:
      return out_.add_rule("boolean", "\"true\" | \"false\"");
    default:
      return "\"null\"";
  }
}

Expr JsonSchemaTranslator::alternatives(const std::vector<std::string>& alts,
                                        const std::string& name) {
  std::vector<std::string> unique;
  for (const std::string& a : alts) {
    if (std::find(unique.begin(), unique.end(), a) == unique.end()) unique.push_back(a);
  }
  if (unique.empty()) return std::nullopt;
  if (unique.size() == 1) return unique[0];
  std::string body;
  for (size_t i = 0; i < unique.size(); ++i) body += (i ? " | " : "") + unique[i];
  return out_.add_rule(name, body);
}

std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema,
                                const JsonSchemaOptions& options) {
  try {
    return JsonSchemaTranslator(schema, options).translate_root();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("JSON schema: ") + e.what());
  }
}

std::string json_schema_to_gbnf(const nlohmann::json& schema, const JsonSchemaOptions& options) {
  const nlohmann::ordered_json ordered = schema;
  return json_schema_to_gbnf(ordered, options);
}

std::string json_object_gbnf(const JsonSchemaOptions& options) {
  static const SchemaJson kAny = true;
  return JsonSchemaTranslator(kAny, options).object_root();
}

}  // namespace minke
