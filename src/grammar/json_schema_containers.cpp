// Objects and arrays for the JSON Schema translator. Properties come in the schema's order;
// optional ones are skipped through a chain of rules (one per position) so that the grammar
// stays linear in the number of properties and commas never need to be guessed.
#include <algorithm>

#include "grammar/json_schema_internal.h"

namespace minke {

namespace {

// Decodes UTF-8 (schema strings are valid UTF-8: the JSON parser checked them).
std::vector<uint32_t> code_points(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : c & (0x3F >> (len - 1));
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += static_cast<size_t>(len);
  }
  return out;
}

// Without minProperties/maxProperties an object needs a rule per property; with them, one per
// property and count: refused past this many.
constexpr size_t kMaxMemberRules = 4096;

struct KeyTrie {
  bool terminal = false;
  std::map<uint32_t, KeyTrie> children;
};

// The member sequences of an object: members(i, c) is a rule for a non-empty run of members
// from property slot i on (slot n: the undeclared properties), with c members already written;
// then(i, c) is what may follow c members: the end, or a comma and members(i, c). A skipped
// optional property costs nothing but one alternative, and the comma is read before the choice
// of the next key. Counts matter only up to minProperties/maxProperties, so without them there
// is one rule per slot.
class MemberChain {
 public:
  struct Slot {
    std::string kv;  // rule for "key": value
    bool required;
  };

  MemberChain(GbnfWriter& out, std::string name, std::string sep, std::vector<Slot> slots,
              Expr extra_kv, int min, int max)
      : out_(out),
        name_(std::move(name)),
        sep_(std::move(sep)),
        slots_(std::move(slots)),
        extra_kv_(std::move(extra_kv)),
        min_(min),
        max_(max) {
    optional_from_.assign(slots_.size() + 1, true);
    for (size_t i = slots_.size(); i-- > 0;) {
      optional_from_[i] = optional_from_[i + 1] && !slots_[i].required;
    }
  }

  bool may_be_empty() const { return optional_from_[0] && min_ == 0; }

  Expr first() { return members(0, 0); }

 private:
  Expr members(size_t i, int c) {
    if (c >= max_) return std::nullopt;
    const int key_c = std::min(c, max_ != kUnbounded ? max_ : min_);
    const auto key = std::make_pair(i, key_c);
    if (const auto it = memo_.find(key); it != memo_.end()) return it->second;
    std::vector<std::string> alts;
    if (i == slots_.size()) {
      const int lo = std::max(1, min_ - c), hi = max_ == kUnbounded ? kUnbounded : max_ - c;
      if (extra_kv_ && lo <= hi) {
        alts.push_back(gbnf_seq({*extra_kv_, gbnf_repeat(gbnf_seq({sep_, *extra_kv_}), lo - 1,
                                                         hi == kUnbounded ? hi : hi - 1)}));
      }
    } else {
      if (const Expr next = then(i + 1, c + 1)) alts.push_back(gbnf_seq({slots_[i].kv, *next}));
      if (!slots_[i].required) {
        if (const Expr skip = members(i + 1, c)) alts.push_back(*skip);
      }
    }
    Expr result;
    if (!alts.empty()) {
      std::string body;
      for (size_t k = 0; k < alts.size(); ++k) body += (k ? " | " : "") + alts[k];
      std::string rule_name = name_ + "-m" + std::to_string(i);
      if (min_ > 0 || max_ != kUnbounded) rule_name += "-" + std::to_string(key_c);
      result = out_.add_rule(rule_name, body);
    }
    memo_[key] = result;
    return result;
  }

  Expr then(size_t i, int c) {
    const bool may_end = optional_from_[i] && c >= min_;
    const Expr more = members(i, c);
    if (!more) return may_end ? Expr("") : std::nullopt;
    const std::string next = gbnf_seq({sep_, *more});
    return may_end ? "( " + next + " )?" : next;
  }

  GbnfWriter& out_;
  std::string name_, sep_;
  std::vector<Slot> slots_;
  Expr extra_kv_;
  int min_, max_;
  std::vector<bool> optional_from_;
  std::map<std::pair<size_t, int>, Expr> memo_;
};

}  // namespace

Expr JsonSchemaTranslator::property_kv(const std::string& key, const SchemaJson& schema,
                                       const std::string& path, const std::string& name) {
  const Expr value = translate(schema, path, name + "-" + key);
  if (!value) return std::nullopt;
  const std::string kv =
      gbnf_seq({gbnf_literal(SchemaJson(key).dump()), ws(), "\":\"", ws(), *value});
  return out_.add_rule(name + "-" + key + "-kv", kv);
}

Expr JsonSchemaTranslator::object_gbnf(const SchemaJson& s, const std::string& path,
                                       const std::string& name) {
  static const SchemaJson kEmpty = SchemaJson::object(), kNone = SchemaJson::array(), kTrue = true;
  const auto p_it = s.find("properties"), r_it = s.find("required");
  const auto a_it = s.find("additionalProperties");
  const SchemaJson& props = p_it == s.end() ? kEmpty : *p_it;
  const SchemaJson& required = r_it == s.end() ? kNone : *r_it;
  const SchemaJson& additional = a_it == s.end() ? kTrue : *a_it;
  if (!props.is_object()) schema_error("'properties' must be an object", path);
  if (!required.is_array()) schema_error("'required' must be an array of strings", path);
  // Slots: the properties in order, then required keys they do not list (additionalProperties
  // applies to those). A property no value satisfies is left out, or empties the object if it
  // is required.
  std::vector<std::pair<std::string, const SchemaJson*>> keys;
  for (const auto& [key, schema] : props.items()) keys.emplace_back(key, &schema);
  for (const auto& key : required) {
    if (!key.is_string()) schema_error("'required' must be an array of strings", path);
    if (!props.contains(key.get<std::string>()))
      keys.emplace_back(key.get<std::string>(), &additional);
  }
  std::vector<std::string> declared;
  std::vector<MemberChain::Slot> slots;
  for (const auto& [key, schema] : keys) {
    if (std::find(declared.begin(), declared.end(), key) != declared.end()) continue;
    declared.push_back(key);
    const bool req = std::find(required.begin(), required.end(), key) != required.end();
    const std::string p = schema == &additional ? child_path(path, "additionalProperties")
                                                : child_path(child_path(path, "properties"), key);
    if (const Expr kv = property_kv(key, *schema, p, name)) {
      slots.push_back({*kv, req});
    } else if (req) {
      return std::nullopt;
    }
  }
  Expr extra_kv;
  if (const Expr value =
          translate(additional, child_path(path, "additionalProperties"), name + "-additional")) {
    extra_kv =
        out_.add_rule(name + "-additional-kv",
                      gbnf_seq({undeclared_key(declared, name), ws(), "\":\"", ws(), *value}));
  }
  const int min = count_keyword(s, "minProperties", 0, path);
  const int max = count_keyword(s, "maxProperties", kUnbounded, path);
  const int bound = max != kUnbounded ? max : min;
  if (bound > 0 && (slots.size() + 1) * static_cast<size_t>(bound + 1) > kMaxMemberRules) {
    schema_error("minProperties/maxProperties too large to express for this many properties", path);
  }
  MemberChain chain(out_, name, sep(), std::move(slots), extra_kv, min, max);
  return object_rule(chain.first(), chain.may_be_empty(), name);
}

// "{" members "}" (nullopt members: none can be written).
Expr JsonSchemaTranslator::object_rule(const Expr& members, bool may_be_empty,
                                       const std::string& name) {
  const std::string open = gbnf_seq({"\"{\"", ws()});
  if (!members) {
    if (!may_be_empty) return std::nullopt;
    return out_.add_rule(name, gbnf_seq({open, "\"}\""}));
  }
  const std::string inner = gbnf_seq({*members, ws()});
  return out_.add_rule(name,
                       gbnf_seq({open, may_be_empty ? "( " + inner + " )?" : inner, "\"}\""}));
}

// Keys other than `keys`, written without escapes along the way (a declared key could otherwise
// come back as "\u0061"): a trie of the declared keys, left by any other character.
std::string JsonSchemaTranslator::undeclared_key(const std::vector<std::string>& keys,
                                                 const std::string& name) {
  if (keys.empty()) return any_string();
  KeyTrie trie;
  for (const std::string& k : keys) {
    KeyTrie* node = &trie;
    for (const uint32_t cp : code_points(k)) node = &node->children[cp];
    node->terminal = true;
  }
  const std::string tail = json_char() + "*";
  const auto node_expr = [&](const auto& self, const KeyTrie& node) -> std::string {
    std::string excluded = "\"\\\\\\x00-\\x1F";
    std::vector<std::string> alts;
    for (const auto& [cp, child] : node.children) {
      if (cp < 0x20 || cp == '"' || cp == '\\') continue;  // never raw in JSON
      excluded += gbnf_class_char(cp);
      alts.push_back(gbnf_seq({"[" + gbnf_class_char(cp) + "]", self(self, child)}));
    }
    alts.push_back("[^" + excluded + "] " + tail);
    std::string body;
    for (size_t i = 0; i < alts.size(); ++i) body += (i ? " | " : "") + alts[i];
    return "( " + body + " )" + (node.terminal ? "" : "?");
  };
  return out_.add_rule(name + "-key",
                       gbnf_seq({"\"\\\"\"", node_expr(node_expr, trie), "\"\\\"\""}));
}

Expr JsonSchemaTranslator::array_gbnf(const SchemaJson& s, const std::string& path,
                                      const std::string& name) {
  static const SchemaJson kNone = SchemaJson::array(), kTrue = true;
  const auto p_it = s.find("prefixItems"), i_it = s.find("items");
  const SchemaJson& prefix = p_it == s.end() ? kNone : *p_it;
  const SchemaJson& items = i_it == s.end() ? kTrue : *i_it;
  if (!prefix.is_array()) schema_error("'prefixItems' must be an array", path);
  const int min = count_keyword(s, "minItems", 0, path);
  const int max = count_keyword(s, "maxItems", kUnbounded, path);
  const int k = static_cast<int>(prefix.size());
  std::vector<Expr> elems;
  const std::string prefix_path = child_path(path, "prefixItems");
  for (int j = 0; j < k && j < max; ++j) {
    elems.push_back(translate(prefix[j], child_path(prefix_path, std::to_string(j)),
                              name + "-" + std::to_string(j)));
  }
  Expr tail;
  if (max > k) tail = translate(items, child_path(path, "items"), name + "-item");
  const std::string separator = sep();
  // What may follow j elements: nested optional groups through the prefix, then a repetition.
  const auto rest = [&](const auto& self, int j) -> Expr {
    if (j >= max) return "";
    if (j >= k) {
      const int lo = std::max(0, min - j), hi = max == kUnbounded ? kUnbounded : max - j;
      if (!tail) return lo > 0 ? std::nullopt : Expr("");
      return gbnf_repeat(gbnf_seq({separator, *tail}), lo, hi);
    }
    const Expr after = elems[j] ? self(self, j + 1) : std::nullopt;
    if (!after) return j < min ? std::nullopt : Expr("");
    const std::string part = gbnf_seq({separator, *elems[j], *after});
    return j < min ? part : "( " + part + " )?";
  };
  Expr content;
  const Expr first = k > 0 ? (max > 0 ? elems[0] : std::nullopt) : (max > 0 ? tail : std::nullopt);
  if (first) {
    if (const Expr after = rest(rest, 1)) content = gbnf_seq({*first, *after, ws()});
  }
  const std::string open = gbnf_seq({"\"[\"", ws()});
  if (!content) {
    if (min > 0) return std::nullopt;
    return out_.add_rule(name, gbnf_seq({open, "\"]\""}));
  }
  return out_.add_rule(name,
                       gbnf_seq({open, min == 0 ? "( " + *content + " )?" : *content, "\"]\""}));
}

}  // namespace minke
