// allOf and $ref merging for the JSON Schema translator: the conjunction of schemas written as
// one schema where that is exact (JSON Schema 2020-12, "Applicators"), oneOf turned into anyOf
// once its alternatives are proven disjoint, and unevaluatedProperties/Items resolved.
#include <algorithm>
#include <set>

#include "grammar/json_schema_internal.h"
#include "minke/error.h"

namespace minke {

namespace {

SchemaJson all_of(const SchemaJson& x, const SchemaJson& y) {
  if (is_trivial_schema(x)) return y;
  if (is_trivial_schema(y) || x == y) return x;
  if ((x.is_boolean() && !x.get<bool>()) || (y.is_boolean() && !y.get<bool>())) return false;
  return {{"allOf", SchemaJson::array({x, y})}};
}

const SchemaJson& member_or(const SchemaJson& s, const char* key, const SchemaJson& fallback) {
  const auto it = s.find(key);
  return it == s.end() ? fallback : *it;
}

// properties / additionalProperties / required: a property one side declares is "additional"
// for the other side, so it must also satisfy that side's additionalProperties.
void merge_object_keywords(SchemaJson& out, const SchemaJson& a, const SchemaJson& b,
                           const std::string& path) {
  static const SchemaJson kEmpty = SchemaJson::object(), kTrue = true, kNone = SchemaJson::array();
  const SchemaJson &pa = member_or(a, "properties", kEmpty),
                   &pb = member_or(b, "properties", kEmpty);
  const SchemaJson& aa = member_or(a, "additionalProperties", kTrue);
  const SchemaJson& ab = member_or(b, "additionalProperties", kTrue);
  const SchemaJson &ra = member_or(a, "required", kNone), &rb = member_or(b, "required", kNone);
  if (!pa.is_object() || !pb.is_object()) schema_error("'properties' must be an object", path);
  if (!ra.is_array() || !rb.is_array()) schema_error("'required' must be an array", path);
  SchemaJson props = SchemaJson::object();
  for (const auto& [k, v] : pa.items()) props[k] = all_of(v, pb.contains(k) ? pb[k] : ab);
  for (const auto& [k, v] : pb.items()) {
    if (!pa.contains(k)) props[k] = all_of(v, aa);
  }
  SchemaJson required = ra;
  for (const auto& r : rb) {
    if (std::find(required.begin(), required.end(), r) == required.end()) required.push_back(r);
  }
  const SchemaJson additional = all_of(aa, ab);
  out.erase("properties");
  out.erase("additionalProperties");
  out.erase("required");
  if (!props.empty()) out["properties"] = props;
  if (!is_trivial_schema(additional)) out["additionalProperties"] = additional;
  if (!required.empty()) out["required"] = required;
}

// prefixItems / items: position i beyond one side's prefix falls under that side's items.
void merge_array_keywords(SchemaJson& out, const SchemaJson& a, const SchemaJson& b,
                          const std::string& path) {
  static const SchemaJson kNone = SchemaJson::array(), kTrue = true;
  const SchemaJson &pa = member_or(a, "prefixItems", kNone),
                   &pb = member_or(b, "prefixItems", kNone);
  const SchemaJson &ta = member_or(a, "items", kTrue), &tb = member_or(b, "items", kTrue);
  if (!pa.is_array() || !pb.is_array()) schema_error("'prefixItems' must be an array", path);
  SchemaJson prefix = SchemaJson::array();
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    prefix.push_back(all_of(i < pa.size() ? pa[i] : ta, i < pb.size() ? pb[i] : tb));
  }
  const SchemaJson tail = all_of(ta, tb);
  out.erase("prefixItems");
  out.erase("items");
  if (!prefix.empty()) out["prefixItems"] = prefix;
  if (!is_trivial_schema(tail)) out["items"] = tail;
}

SchemaJson types_json(unsigned mask) {
  SchemaJson types = SchemaJson::array();
  static const std::pair<unsigned, const char*> kNames[] = {
      {kNullType, "null"},   {kBooleanType, "boolean"}, {kObjectType, "object"},
      {kArrayType, "array"}, {kStringType, "string"},
  };
  for (const auto& [bit, name] : kNames) {
    if (mask & bit) types.push_back(name);
  }
  if (mask & kNumberType) {
    types.push_back("number");
  } else if (mask & kIntegerType) {
    types.push_back("integer");
  }
  return types;
}

// One keyword present on both sides (other than the object/array groups).
void merge_keyword(SchemaJson& out, const std::string& key, const SchemaJson& va,
                   const SchemaJson& vb, const std::string& path) {
  static const std::set<std::string, std::less<>> kLower = {
      "minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"};
  static const std::set<std::string, std::less<>> kUpper = {
      "maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"};
  if (key == "type") {
    out[key] = types_json(type_mask(out, path) & type_mask({{"type", vb}}, path));
  } else if (key == "enum") {
    SchemaJson both = SchemaJson::array();
    for (const auto& v : va) {
      if (std::find(vb.begin(), vb.end(), v) != vb.end()) both.push_back(v);
    }
    out[key] = both;
  } else if (kLower.count(key) || kUpper.count(key)) {
    if (!va.is_number() || !vb.is_number()) schema_error("'" + key + "' must be a number", path);
    const int c = compare_decimals(parse_decimal(va), parse_decimal(vb));
    out[key] = (kLower.count(key) ? c >= 0 : c <= 0) ? va : vb;
  } else if (key == "anyOf") {
    if (va.size() * vb.size() > 64) schema_error("allOf of anyOf/oneOf lists is too large", path);
    SchemaJson product = SchemaJson::array();
    for (const auto& x : va) {
      for (const auto& y : vb) product.push_back(all_of(x, y));
    }
    out[key] = product;
  } else if (key == "multipleOf" && va.is_number() && vb.is_number() &&
             is_power_of_ten(parse_decimal(va)) && is_power_of_ten(parse_decimal(vb))) {
    out[key] = compare_decimals(parse_decimal(va), parse_decimal(vb)) >= 0 ? va : vb;
  } else if (va != vb) {
    schema_error("allOf combines different '" + key + "' values, which cannot be merged", path);
  }
}

SchemaJson flatten(const SchemaJson& root, const SchemaJson& s, const std::string& path, int depth);

// A oneOf whose alternatives cannot overlap (within `context`, the schema around it) is an anyOf.
SchemaJson one_of_as_any_of(const SchemaJson& root, const SchemaJson& context,
                            const SchemaJson& alts, const std::string& path) {
  if (!alts.is_array() || alts.empty()) schema_error("'oneOf' must be a non-empty array", path);
  std::vector<SchemaJson> within;
  for (size_t i = 0; i < alts.size(); ++i) {
    const std::string alt_path = child_path(path, std::to_string(i));
    within.push_back(merge_schemas(context, flatten_schema(root, alts[i], alt_path), alt_path));
  }
  for (size_t i = 0; i < alts.size(); ++i) {
    for (size_t j = i + 1; j < alts.size(); ++j) {
      if (!schemas_disjoint(root, within[i], within[j], path)) {
        schema_error("oneOf alternatives " + std::to_string(i) + " and " + std::to_string(j) +
                         " may both match (a grammar can only enforce anyOf; use anyOf, or make "
                         "them differ by type or by a required const property)",
                     path);
      }
    }
  }
  return {{"anyOf", alts}};
}

// unevaluatedProperties/Items see what the merged subschemas evaluated: with the merge done,
// that is the declared properties (prefix items) unless additionalProperties (items) exists.
void apply_unevaluated(SchemaJson& s, const char* key, const char* target,
                       const std::string& path) {
  const auto it = s.find(key);
  if (it == s.end()) return;
  const SchemaJson u = *it;
  s.erase(key);
  if (is_trivial_schema(u)) return;
  if (s.contains("anyOf")) {
    schema_error(std::string("unsupported keyword '") + key + "' beside anyOf/oneOf", path);
  }
  if (!s.contains(target)) s[target] = u;
}

SchemaJson flatten(const SchemaJson& root, const SchemaJson& s, const std::string& path,
                   int depth) {
  if (depth > 32) schema_error("$ref/allOf nesting too deep (a $ref cycle through allOf?)", path);
  if (s.is_boolean()) return s;
  SchemaJson result = normalize_schema(root, s, path);
  std::vector<SchemaJson> parts;
  if (const auto r = result.find("$ref"); r != result.end()) {
    std::string pointer;
    parts.push_back(flatten(root, resolve_ref(root, *r, path, &pointer), pointer, depth + 1));
    result.erase("$ref");
  }
  if (const auto a = result.find("allOf"); a != result.end()) {
    if (!a->is_array() || a->empty()) schema_error("'allOf' must be a non-empty array", path);
    const std::string all_path = child_path(path, "allOf");
    for (size_t i = 0; i < a->size(); ++i) {
      parts.push_back(flatten(root, (*a)[i], child_path(all_path, std::to_string(i)), depth + 1));
    }
    result.erase("allOf");
  }
  SchemaJson one_of;
  if (const auto o = result.find("oneOf"); o != result.end()) {
    one_of = *o;
    result.erase("oneOf");
  }
  if (const auto a = result.find("anyOf"); a != result.end() && (!a->is_array() || a->empty())) {
    schema_error("'anyOf' must be a non-empty array", path);
  }
  // The parts first: properties from a base schema come before the ones this schema adds.
  SchemaJson merged = true;
  for (const SchemaJson& part : parts) merged = merge_schemas(merged, part, path);
  result = merge_schemas(merged, result, path);
  if (!one_of.is_null()) {
    result = merge_schemas(result,
                           one_of_as_any_of(root, result, one_of, child_path(path, "oneOf")), path);
  }
  if (result.is_object()) {
    apply_unevaluated(result, "unevaluatedProperties", "additionalProperties", path);
    apply_unevaluated(result, "unevaluatedItems", "items", path);
  }
  return result;
}

}  // namespace

SchemaJson flatten_schema(const SchemaJson& root, const SchemaJson& s, const std::string& path) {
  return flatten(root, s, path, 0);
}

SchemaJson merge_schemas(const SchemaJson& a, const SchemaJson& b, const std::string& path) {
  if (a.is_boolean() || b.is_boolean()) {
    if (a == false || b == false) return false;
    return a.is_boolean() ? b : a;
  }
  SchemaJson out = a;
  static const std::set<std::string, std::less<>> kObjectKeys = {"properties", "required",
                                                                 "additionalProperties"};
  static const std::set<std::string, std::less<>> kArrayKeys = {"prefixItems", "items"};
  const auto has_any = [&](const auto& keys) {
    return std::any_of(keys.begin(), keys.end(),
                       [&](const std::string& k) { return a.contains(k) || b.contains(k); });
  };
  if (has_any(kObjectKeys)) merge_object_keywords(out, a, b, path);
  if (has_any(kArrayKeys)) merge_array_keywords(out, a, b, path);
  for (const auto& [key, vb] : b.items()) {
    if (kObjectKeys.count(key) || kArrayKeys.count(key)) continue;
    if (!out.contains(key)) {
      out[key] = vb;
    } else {
      const SchemaJson va = out[key];
      merge_keyword(out, key, va, vb, path);
    }
  }
  return out;
}

}  // namespace minke
