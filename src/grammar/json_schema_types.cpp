// JSON types of schemas and values for the JSON Schema translator, its error helper, and the
// proof that oneOf alternatives are disjoint (so that alternation, which only gives anyOf,
// enforces oneOf exactly).
#include <algorithm>
#include <cmath>

#include "grammar/json_schema_internal.h"
#include "minke/error.h"

namespace minke {

namespace {

unsigned type_bits(const SchemaJson& name, const std::string& path) {
  static const std::pair<const char*, unsigned> kNames[] = {
      {"null", kNullType},
      {"boolean", kBooleanType},
      {"object", kObjectType},
      {"array", kArrayType},
      {"string", kStringType},
      {"integer", kIntegerType},
      {"number", kIntegerType | kNumberType},
  };
  if (name.is_string()) {
    for (const auto& [n, bits] : kNames) {
      if (name == n) return bits;
    }
    schema_error("unknown type '" + name.get<std::string>() + "'", path);
  }
  schema_error("'type' must be a string or an array of strings", path);
}

unsigned possible_types(const SchemaJson& s, const std::string& path) {
  unsigned mask = type_mask(s, path);
  if (const auto e = s.find("enum"); e != s.end()) {
    unsigned values = 0;
    for (const auto& v : *e) values |= type_of_value(v);
    mask &= values;
  }
  return mask;
}

const SchemaJson& property_schema(const SchemaJson& s, const std::string& key) {
  static const SchemaJson kTrue = true;
  if (const auto p = s.find("properties"); p != s.end() && p->is_object() && p->contains(key)) {
    return (*p)[key];
  }
  const auto a = s.find("additionalProperties");
  return a == s.end() ? kTrue : *a;
}

bool required(const SchemaJson& s, const SchemaJson& key) {
  const auto r = s.find("required");
  return r != s.end() && r->is_array() && std::find(r->begin(), r->end(), key) != r->end();
}

// Disjointness of two flattened schemas without anyOf.
bool flat_schemas_disjoint(const SchemaJson& root, const SchemaJson& a, const SchemaJson& b,
                           const std::string& path, int depth) {
  const unsigned common = possible_types(a, path) & possible_types(b, path);
  if (common == 0) return true;
  const auto ea = a.find("enum"), eb = b.find("enum");
  if (ea != a.end() && eb != b.end()) {
    return std::none_of(ea->begin(), ea->end(), [&](const SchemaJson& v) {
      return std::find(eb->begin(), eb->end(), v) != eb->end();
    });
  }
  // Every listed value fails the other schema (checked against its grammar, which decides
  // strings exactly unless a format, whose grammar is a subset, is involved).
  const auto values_excluded = [&](const SchemaJson& values, const SchemaJson& other) {
    if (other.contains("format")) return false;
    const ValueChecker checker(root, other, path);
    return std::all_of(values.begin(), values.end(), [&](const SchemaJson& v) {
      return checker.check(v) == std::optional<bool>(false);
    });
  };
  if ((ea != a.end() && values_excluded(*ea, b)) || (eb != b.end() && values_excluded(*eb, a))) {
    return true;
  }
  if (common != kObjectType) return false;
  // Objects where one requires a property the other forbids.
  for (const auto& [x, y] : {std::pair(&a, &b), std::pair(&b, &a)}) {
    if (!x->contains("required")) continue;
    for (const auto& key : (*x)["required"]) {
      if (key.is_string() && property_schema(*y, key.get<std::string>()) == false) return true;
    }
  }
  // Objects that must both hold a property whose values cannot be equal (a discriminator).
  if (a.contains("required")) {
    for (const auto& key : a["required"]) {
      if (!key.is_string() || !required(b, key)) continue;
      const std::string k = key.get<std::string>();
      if (schemas_disjoint(root, property_schema(a, k), property_schema(b, k), path, depth + 1)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

void schema_error(const std::string& what, const std::string& path) {
  throw Error("JSON schema: " + what + " at " + (path.empty() ? "the root" : path));
}

std::string child_path(const std::string& path, std::string_view token) {
  std::string out = path + "/";
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

int count_keyword(const SchemaJson& s, const char* key, int fallback, const std::string& path) {
  const auto it = s.find(key);
  if (it == s.end()) return fallback;
  const double v = it->is_number() ? it->get<double>() : -1;
  if (v < 0 || std::trunc(v) != v) {
    schema_error(std::string("'") + key + "' must be a non-negative integer", path);
  }
  if (v > kMaxCount) {
    schema_error(
        std::string("'") + key + "' above " + std::to_string(kMaxCount) + " is not supported",
        path);
  }
  return static_cast<int>(v);
}

unsigned type_mask(const SchemaJson& s, const std::string& path) {
  const auto t = s.is_object() ? s.find("type") : s.end();
  if (!s.is_object() || t == s.end()) return kAllTypes;
  if (!t->is_array()) return type_bits(*t, path);
  unsigned mask = 0;
  for (const auto& name : *t) mask |= type_bits(name, path);
  return mask;
}

unsigned type_of_value(const SchemaJson& v) {
  switch (v.type()) {
    case SchemaJson::value_t::null:
      return kNullType;
    case SchemaJson::value_t::boolean:
      return kBooleanType;
    case SchemaJson::value_t::object:
      return kObjectType;
    case SchemaJson::value_t::array:
      return kArrayType;
    case SchemaJson::value_t::string:
      return kStringType;
    case SchemaJson::value_t::number_float: {
      const double d = v.get<double>();
      return std::trunc(d) == d ? kIntegerType : kNumberType;
    }
    default:
      return kIntegerType;
  }
}

bool schemas_disjoint(const SchemaJson& root, const SchemaJson& a, const SchemaJson& b,
                      const std::string& path, int depth) {
  if (depth > 8) return false;
  const SchemaJson fa = flatten_schema(root, a, path), fb = flatten_schema(root, b, path);
  if (fa == false || fb == false) return true;
  if (fa.is_boolean() || fb.is_boolean()) return false;
  // An anyOf is disjoint from the other side when each of its alternatives is.
  for (const auto& sides : {std::pair(&fa, &fb), std::pair(&fb, &fa)}) {
    const SchemaJson& other = *sides.second;
    const auto alts = sides.first->find("anyOf");
    if (alts == sides.first->end()) continue;
    SchemaJson rest = *sides.first;
    rest.erase("anyOf");
    return std::all_of(alts->begin(), alts->end(), [&](const SchemaJson& alt) {
      const SchemaJson one = merge_schemas(rest, flatten_schema(root, alt, path), path);
      return schemas_disjoint(root, one, other, path, depth + 1);
    });
  }
  return flat_schemas_disjoint(root, fa, fb, path, depth);
}

}  // namespace minke
