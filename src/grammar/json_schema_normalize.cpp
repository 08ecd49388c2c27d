// Schema normalization for the JSON Schema translator: keywords are sorted into handled,
// ignored (annotations, unknown: JSON Schema says they do not constrain) and refused; older
// spellings become 2020-12 ones; local $refs are resolved (RFC 6901 JSON pointers).
#include <algorithm>
#include <cctype>
#include <set>

#include "grammar/json_schema_internal.h"
#include "minke/error.h"

namespace minke {

namespace {

// Keywords the translator reads; everything else but kRefused is an annotation or unknown, and
// JSON Schema says unknown keywords do not constrain.
const std::set<std::string, std::less<>> kHandled = {"type",
                                                     "enum",
                                                     "const",
                                                     "properties",
                                                     "required",
                                                     "minProperties",
                                                     "maxProperties",
                                                     "prefixItems",
                                                     "items",
                                                     "additionalItems",
                                                     "minItems",
                                                     "maxItems",
                                                     "minLength",
                                                     "maxLength",
                                                     "pattern",
                                                     "format",
                                                     "minimum",
                                                     "maximum",
                                                     "exclusiveMinimum",
                                                     "exclusiveMaximum",
                                                     "multipleOf",
                                                     "anyOf",
                                                     "oneOf",
                                                     "allOf",
                                                     "$ref",
                                                     "additionalProperties",
                                                     "unevaluatedProperties",
                                                     "unevaluatedItems"};

// Keywords that constrain values in ways a grammar of this kind cannot follow.
const std::set<std::string, std::less<>> kRefused = {"not",
                                                     "if",
                                                     "then",
                                                     "else",
                                                     "patternProperties",
                                                     "propertyNames",
                                                     "dependentRequired",
                                                     "dependentSchemas",
                                                     "dependencies",
                                                     "contains",
                                                     "minContains",
                                                     "maxContains",
                                                     "uniqueItems",
                                                     "$dynamicRef",
                                                     "$recursiveRef",
                                                     "extends",
                                                     "disallow",
                                                     "divisibleBy"};

// Draft 4 and earlier, which have no "const" (a validator of that draft ignores it).
bool declares_draft4(const SchemaJson& root) {
  const auto it = root.is_object() ? root.find("$schema") : root.end();
  if (!root.is_object() || it == root.end() || !it->is_string()) return false;
  const std::string uri = it->get<std::string>();
  return uri.find("draft-04") != std::string::npos || uri.find("draft-03") != std::string::npos;
}

// Refused keywords that do nothing in this schema (an "if" without "then"/"else", an empty
// patternProperties, uniqueItems false...).
bool refused_keyword_is_inert(const SchemaJson& s, const std::string& key, const SchemaJson& v) {
  if (key == "if") return !s.contains("then") && !s.contains("else");
  if (key == "then" || key == "else") return !s.contains("if");
  if (key == "minContains" || key == "maxContains") return !s.contains("contains");
  if (key == "uniqueItems") return v.is_boolean() && !v.get<bool>();
  if (key == "propertyNames") return is_trivial_schema(v);
  if (key == "patternProperties" || key == "dependentRequired" || key == "dependentSchemas" ||
      key == "dependencies") {
    return v.is_object() && v.empty();
  }
  return false;
}

void rewrite_const(SchemaJson& out) {
  const auto c = out.find("const");
  if (c == out.end()) return;
  SchemaJson values = SchemaJson::array();
  const auto e = out.find("enum");
  if (e == out.end() || (e->is_array() && std::find(e->begin(), e->end(), *c) != e->end())) {
    values.push_back(*c);
  }
  out["enum"] = values;
  out.erase("const");
}

// Draft 4 wrote exclusive bounds as booleans beside minimum/maximum.
void rewrite_draft4_bound(SchemaJson& out, const char* exclusive, const char* inclusive) {
  const auto e = out.find(exclusive);
  if (e == out.end() || !e->is_boolean()) return;
  const bool on = e->get<bool>();
  out.erase(exclusive);
  if (on && out.contains(inclusive)) {
    out[exclusive] = out[inclusive];
    out.erase(inclusive);
  }
}

// Drafts before 2020-12 wrote tuples as "items": [...] with "additionalItems" for the rest.
void rewrite_tuple_items(SchemaJson& out, const std::string& path) {
  const auto items = out.find("items");
  if (items != out.end() && items->is_array()) {
    if (out.contains("prefixItems")) schema_error("'items' array beside 'prefixItems'", path);
    out["prefixItems"] = *items;
    if (out.contains("additionalItems")) {
      out["items"] = out["additionalItems"];
    } else {
      out.erase("items");
    }
  }
  out.erase("additionalItems");  // ignored unless "items" is an array
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

bool is_trivial_schema(const SchemaJson& v) {
  return (v.is_boolean() && v.get<bool>()) || (v.is_object() && v.empty());
}

SchemaJson normalize_schema(const SchemaJson& root, const SchemaJson& s, const std::string& path) {
  if (s.is_boolean()) return s;
  if (!s.is_object()) schema_error("a schema must be an object or a boolean", path);
  SchemaJson out = SchemaJson::object();
  const bool has_const = !declares_draft4(root);
  for (const auto& [key, value] : s.items()) {
    if (key == "const" && !has_const) continue;  // not a keyword before draft 6
    if (kHandled.count(key)) {
      out[key] = value;
    } else if (kRefused.count(key) && !refused_keyword_is_inert(s, key, value)) {
      schema_error("unsupported keyword '" + key + "'", path);
    }
  }
  if (const auto e = out.find("enum"); e != out.end() && !e->is_array()) {
    schema_error("'enum' must be an array", path);
  }
  rewrite_const(out);
  rewrite_draft4_bound(out, "exclusiveMinimum", "minimum");
  rewrite_draft4_bound(out, "exclusiveMaximum", "maximum");
  rewrite_tuple_items(out, path);
  if (const auto f = out.find("format"); f != out.end()) {
    if (!f->is_string()) schema_error("'format' must be a string", path);
    const std::string name = f->get<std::string>();
    if (!is_string_format(name) && !is_number_format(name)) {
      schema_error("unsupported format '" + name + "'", path);
    }
  }
  return out;
}

bool is_plain_ref(const SchemaJson& s) {
  if (!s.is_object() || !s.contains("$ref")) return false;
  for (const auto& [key, value] : s.items()) {
    if (key != "$ref" && (kHandled.count(key) || kRefused.count(key))) return false;
  }
  return true;
}

const SchemaJson& resolve_ref(const SchemaJson& root, const SchemaJson& ref,
                              const std::string& path, std::string* pointer) {
  if (!ref.is_string()) schema_error("'$ref' must be a string", path);
  const std::string text = ref.get<std::string>();
  if (text.empty() || text[0] != '#') {
    schema_error("$ref '" + text + "' is not supported (only refs within the schema, #/...)", path);
  }
  *pointer = percent_decode(std::string_view(text).substr(1));
  if (!pointer->empty() && (*pointer)[0] != '/') {
    schema_error("$ref '" + text + "' to an anchor is not supported (use a #/... pointer)", path);
  }
  const SchemaJson* node = &root;
  size_t pos = 0;
  while (pos < pointer->size()) {
    const size_t end = std::min(pointer->find('/', pos + 1), pointer->size());
    std::string token = pointer->substr(pos + 1, end - pos - 1);
    for (size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
      token.replace(i, 2, i + 1 < token.size() && token[i + 1] == '1' ? "/" : "~");
    }
    if (node->is_object() && node->contains(token)) {
      node = &(*node)[token];
    } else if (node->is_array() && !token.empty() &&
               token.find_first_not_of("0123456789") == std::string::npos &&
               std::stoul(token) < node->size()) {
      node = &(*node)[std::stoul(token)];
    } else {
      schema_error("$ref '" + text + "' points at nothing", path);
    }
    pos = end;
  }
  return *node;
}

}  // namespace minke
