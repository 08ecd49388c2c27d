// Internals of the JSON Schema -> GBNF translator (json_schema.h), shared by its source files:
// normalization (json_schema_normalize.cpp), allOf/$ref merging (json_schema_merge.cpp), types
// and oneOf proofs (json_schema_types.cpp), numbers (json_schema_number.cpp), pattern lengths
// (json_schema_pattern.cpp) and the translator (json_schema.cpp, _containers, _scalars).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/gbnf_writer.h"
#include "grammar/grammar.h"
#include "grammar/json_schema.h"

namespace minke {

using SchemaJson = nlohmann::ordered_json;

// A GBNF expression, or nullopt for the empty language (no value satisfies the schema). It has
// no top-level '|' (it can be put in a sequence); "" matches the empty text.
using Expr = std::optional<std::string>;

inline constexpr int kUnbounded = 1 << 30;
// Larger counts (maxLength, minItems...) are refused: the grammar would hold that many rules.
inline constexpr int kMaxCount = 10000;

[[noreturn]] void schema_error(const std::string& what, const std::string& path);
// JSON pointer of `path` + `/token`, escaping ~ and /.
std::string child_path(const std::string& path, std::string_view token);

// JSON value types as a bit set: kIntegerType holds the integral numbers, kNumberType the others,
// so type "number" is both bits and intersections are a plain '&'.
enum TypeBits : unsigned {
  kNullType = 1,
  kBooleanType = 2,
  kObjectType = 4,
  kArrayType = 8,
  kStringType = 16,
  kIntegerType = 32,
  kNumberType = 64,
  kAllTypes = 127,
};
// A minLength-like keyword's value (`fallback` when absent); throws unless a non-negative
// integer up to kMaxCount.
int count_keyword(const SchemaJson& s, const char* key, int fallback, const std::string& path);
unsigned type_mask(const SchemaJson& schema, const std::string& path);
unsigned type_of_value(const SchemaJson& value);

// --- json_schema_normalize.cpp, json_schema_merge.cpp ---

// The schema with annotations and unknown keywords dropped and older spellings rewritten to
// 2020-12 (draft-4 exclusive bounds, items arrays, const as enum); throws for unsupported
// keywords. `root` tells the draft: "const" is not a keyword in draft 4 and earlier.
SchemaJson normalize_schema(const SchemaJson& root, const SchemaJson& schema,
                            const std::string& path);
// `true` or {}: a schema every value satisfies.
bool is_trivial_schema(const SchemaJson& schema);
// A $ref with no constraining sibling keywords.
bool is_plain_ref(const SchemaJson& schema);
// The schema a local $ref points at; `pointer` receives its JSON pointer.
const SchemaJson& resolve_ref(const SchemaJson& root, const SchemaJson& ref,
                              const std::string& path, std::string* pointer);
// The schema with $ref, allOf and oneOf (once proven disjoint) merged into one schema, normalized;
// "anyOf" may remain. Throws where the merge cannot be exact.
SchemaJson flatten_schema(const SchemaJson& root, const SchemaJson& schema,
                          const std::string& path);
// The conjunction of two flattened schemas as one schema (exact, or throws).
SchemaJson merge_schemas(const SchemaJson& a, const SchemaJson& b, const std::string& path);
// (json_schema_types.cpp) Whether no value can satisfy both schemas, proven from types, listed
// values and required properties (false when unsure).
bool schemas_disjoint(const SchemaJson& root, const SchemaJson& a, const SchemaJson& b,
                      const std::string& path, int depth = 0);

// --- json_schema.cpp ---

// Whether values satisfy a schema, decided by the schema's grammar: true when the grammar
// accepts the value's compact text; false when it does not and the value is a string, boolean,
// null or number of up to 15+15 digits (whose text is canonical); nullopt when unsure (a
// container, whose text the grammar may want in another order).
class ValueChecker {
 public:
  ValueChecker(const SchemaJson& root, const SchemaJson& schema, const std::string& path);
  std::optional<bool> check(const SchemaJson& value) const;

 private:
  std::shared_ptr<const Grammar> grammar_;  // null: no value satisfies the schema
  std::string path_;
};

// --- json_schema_pattern.cpp ---

// A pattern (JSON Schema search semantics) for the strings that match `pattern` and have
// min..max characters (max kUnbounded: no limit): `pattern` itself when every match fits, a
// rewritten one when one repetition decides the length; nullopt (and *empty when no string
// qualifies) otherwise. Throws minke::Error for regex syntax errors.
std::optional<std::string> pattern_with_length(const std::string& pattern, int min, int max,
                                               bool* empty);

// --- json_schema_number.cpp ---

// An exact decimal: the value of a JSON number bound.
struct Decimal {
  bool negative = false;
  std::string int_digits = "0";  // no leading zeros
  std::string frac_digits;       // no trailing zeros
};
Decimal parse_decimal(const SchemaJson& number);
int compare_decimals(const Decimal& a, const Decimal& b);
// 1, 0.1, 0.01, ...: the multipleOf values a grammar can follow (as a count of fraction digits).
bool is_power_of_ten(const Decimal& d);
std::string decimal_text(const Decimal& d);

struct NumberBound {
  Decimal value;
  bool exclusive = false;
};
struct NumberRange {
  std::optional<NumberBound> lower, upper;
};
// The bounds a schema's minimum/maximum/exclusive*/integer format put on numbers.
NumberRange number_range(const SchemaJson& schema, const std::string& path);
// Numbers in `range` written with at most `frac_digits` fraction digits and no exponent
// (canonical: no "-0"). Throws when the range is beyond the 15-digit numbers generated.
Expr number_range_gbnf(const NumberRange& range, int frac_digits, const std::string& path);
// Canonical decimal integers in [lo, hi] (digit strings, lo <= hi).
std::string uint_range_gbnf(const std::string& lo, const std::string& hi);

// Whether `format` names a string format (date, uuid...) or a number format (int32, double...)
// the translator knows.
bool is_string_format(const std::string& format);
bool is_number_format(const std::string& format);

inline constexpr int kMaxIntDigits = 15;
inline constexpr int kMaxFracDigits = 15;

// --- the translator (json_schema.cpp, json_schema_containers.cpp, json_schema_scalars.cpp) ---

class JsonSchemaTranslator {
 public:
  JsonSchemaTranslator(const SchemaJson& root, const JsonSchemaOptions& options);
  // The whole grammar, root rule "root" = the root schema.
  std::string translate_root();
  // The whole grammar, root rule "root" = any JSON object.
  std::string object_root();
  // A grammar, root rule "root", for a schema within the root schema (nullopt: no value).
  Expr translate_alone(const SchemaJson& schema, const std::string& path);

 private:
  Expr translate(const SchemaJson& schema, const std::string& path, const std::string& name);
  Expr translate_ref(const SchemaJson& ref, const std::string& path);
  Expr translate_flat(const SchemaJson& s, const std::string& path, const std::string& name);
  Expr translate_any_of(const SchemaJson& s, const std::string& path, const std::string& name);
  Expr translate_enum(const SchemaJson& s, const std::string& path, const std::string& name);
  Expr translate_type(const SchemaJson& s, unsigned type, const std::string& path,
                      const std::string& name);
  Expr alternatives(const std::vector<std::string>& alts, const std::string& name);

  // json_schema_containers.cpp
  Expr object_gbnf(const SchemaJson& s, const std::string& path, const std::string& name);
  Expr property_kv(const std::string& key, const SchemaJson& schema, const std::string& path,
                   const std::string& name);
  Expr object_rule(const Expr& members, bool may_be_empty, const std::string& name);
  Expr array_gbnf(const SchemaJson& s, const std::string& path, const std::string& name);
  std::string undeclared_key(const std::vector<std::string>& keys, const std::string& name);

  // json_schema_scalars.cpp
  Expr string_gbnf(const SchemaJson& s, const std::string& path, const std::string& name);
  Expr number_gbnf(const SchemaJson& s, bool integer, const std::string& path);
  std::string format_gbnf(const std::string& format);
  std::string uri_gbnf(bool reference);
  std::string any_value();
  std::string any_string();
  std::string any_number();
  std::string json_char();
  std::string ws();
  std::string sep();  // ws "," ws

  const SchemaJson& root_;
  JsonSchemaOptions options_;
  GbnfWriter out_;
  std::map<std::string, Expr> ref_rules_;  // JSON pointer -> rule (nullopt: empty)
  std::vector<std::string> ref_chain_;     // refs being resolved with nothing between
  std::string value_rule_, object_rule_;
};

// Joins the non-empty parts with spaces (a GBNF sequence).
std::string gbnf_seq(std::initializer_list<std::string_view> parts);
// `unit` repeated lo..hi times (hi kUnbounded: no limit); "" for none.
std::string gbnf_repeat(const std::string& unit, int lo, int hi);

}  // namespace minke
