// Tests for the JSON Schema translator: each supported keyword accepts the valid JSON texts and
// rejects the invalid ones once compiled, recursion through $ref works, and what cannot be
// expressed is refused with the keyword named.
#include "grammar/json_schema.h"

#include <gtest/gtest.h>

#include <string>

#include "grammar/json_schema_test_util.h"

namespace minke {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(JsonSchema, Types) {
  const SchemaGrammar s(R"({"type": "string"})");
  EXPECT_TRUE(accepts(s, R"("hello")"));
  EXPECT_TRUE(rejects(s, "1"));
  const SchemaGrammar b(R"({"type": "boolean"})");
  EXPECT_TRUE(accepts(b, "true"));
  EXPECT_TRUE(accepts(b, "false"));
  EXPECT_TRUE(rejects(b, "null"));
  const SchemaGrammar n(R"({"type": "null"})");
  EXPECT_TRUE(accepts(n, "null"));
  EXPECT_TRUE(rejects(n, "0"));
  const SchemaGrammar sn(R"({"type": ["string", "null"]})");
  EXPECT_TRUE(accepts(sn, R"("x")"));
  EXPECT_TRUE(accepts(sn, "null"));
  EXPECT_TRUE(rejects(sn, "true"));
  // OpenAPI's nullable is accepted but adds nothing: JSON Schema validators ignore it, so null
  // would fail them, while a value of the type passes under either reading.
  const SchemaGrammar nullable(R"({"type": "integer", "nullable": true})");
  EXPECT_TRUE(rejects(nullable, "null"));
  EXPECT_TRUE(accepts(nullable, "3"));
}

TEST(JsonSchema, AnyValue) {
  for (const char* schema : {"{}", "true", R"({"description": "anything", "title": "x"})"}) {
    const SchemaGrammar g(schema);
    for (const char* ok :
         {"1", "null", R"("s")", R"({"a":[1,{"b":null}],"c":"d"})", "[]", "{}", "[true,false]"}) {
      EXPECT_TRUE(accepts(g, ok));
    }
    for (const char* bad : {"", "{", R"({"a"})", "[1,]", "tru", R"({"a":1,})", "'x'"}) {
      EXPECT_TRUE(rejects(g, bad));
    }
  }
  EXPECT_TRUE(has(schema_error_of("false"), "no JSON value satisfies"));
  const std::string object =
      json_object_gbnf({.whitespace = JsonSchemaOptions::Whitespace::kCompact});
  const auto g = compile_gbnf(object);
  EXPECT_TRUE(grammar_matches(*g, R"({"a":{"b":[]}})"));
  EXPECT_TRUE(grammar_matches(*g, "{}"));
  EXPECT_FALSE(grammar_matches(*g, "[]"));
  EXPECT_FALSE(grammar_matches(*g, "1"));
}

TEST(JsonSchema, StringSyntax) {
  const SchemaGrammar g(R"({"type": "string"})");
  for (const char* ok : {R"("")", R"("a\"b")", R"("\\ \/ \b \f \n \r \t")", R"("\u00e9\u20AC")",
                         "\"h\xC3\xA9llo\"", R"("\ud83d\ude00")"}) {
    EXPECT_TRUE(accepts(g, ok));
  }
  for (const char* bad : {R"("a)", R"("a"b")", R"("\x")", R"("\u12")", "\"a\nb\"", "\"\t\"",
                          R"("\ud83d")", R"("\ude00")", R"("\ud83dx")", "\"\xC3\""}) {
    EXPECT_TRUE(rejects(g, bad));
  }
}

TEST(JsonSchema, StringLengthCountsCharacters) {
  const SchemaGrammar g(R"({"type": "string", "minLength": 2, "maxLength": 3})");
  EXPECT_TRUE(rejects(g, R"("a")"));
  EXPECT_TRUE(accepts(g, R"("ab")"));
  EXPECT_TRUE(accepts(g, R"("abc")"));
  EXPECT_TRUE(rejects(g, R"("abcd")"));
  EXPECT_TRUE(accepts(g, R"("\n\u00e9")"));             // two escapes: two characters
  EXPECT_TRUE(accepts(g, "\"\xC3\xA9\xE2\x82\xAC\""));  // two multi-byte characters
  EXPECT_TRUE(accepts(g, R"("\ud83d\ude00x")"));        // a surrogate pair is one character
  EXPECT_TRUE(rejects(g, R"("\\\\\\\\")"));             // four backslashes
  const SchemaGrammar empty(R"({"type": "string", "maxLength": 0})");
  EXPECT_TRUE(accepts(empty, R"("")"));
  EXPECT_TRUE(rejects(empty, R"(" ")"));
  EXPECT_TRUE(has(schema_error_of(R"({"type": "string", "minLength": -1})"), "'minLength'"));
  EXPECT_TRUE(has(schema_error_of(R"({"type": "string", "minLength": 3, "maxLength": 2})"),
                  "no JSON value"));
}

TEST(JsonSchema, StringFormats) {
  const SchemaGrammar date(R"({"type": "string", "format": "date"})");
  for (const char* ok : {R"("2024-02-29")", R"("2000-02-29")", R"("2023-12-31")", R"("1999-04-30")",
                         R"("0001-01-01")", R"("1600-02-29")", R"("0004-02-29")"}) {
    EXPECT_TRUE(accepts(date, ok));
  }
  for (const char* bad : {R"("2023-02-29")", R"("1900-02-29")", R"("2023-04-31")",
                          R"("2023-13-01")", R"("2023-00-10")", R"("2023-01-00")", R"("2023-1-01")",
                          R"("20230101")", R"("0000-01-01")", R"("0000-02-29")"}) {
    EXPECT_TRUE(rejects(date, bad));
  }
  const SchemaGrammar time(R"({"type": "string", "format": "time"})");
  EXPECT_TRUE(accepts(time, R"("23:59:59Z")"));
  EXPECT_TRUE(accepts(time, R"("08:30:00.123+05:30")"));
  EXPECT_TRUE(rejects(time, R"("24:00:00Z")"));
  EXPECT_TRUE(rejects(time, R"("08:30:00")"));  // RFC 3339 requires the offset
  const SchemaGrammar date_time(R"({"type": "string", "format": "date-time"})");
  EXPECT_TRUE(accepts(date_time, R"("2024-05-01T12:00:00-07:00")"));
  EXPECT_TRUE(rejects(date_time, R"("2024-05-01 12:00:00Z")"));
  EXPECT_TRUE(rejects(date_time, R"("2024-05-01t12:00:00z")"));
  const SchemaGrammar uuid(R"({"type": "string", "format": "uuid"})");
  EXPECT_TRUE(accepts(uuid, R"("123e4567-e89b-12d3-A456-426614174000")"));
  EXPECT_TRUE(rejects(uuid, R"("123e4567e89b12d3a456426614174000")"));
  const SchemaGrammar email(R"({"type": "string", "format": "email"})");
  EXPECT_TRUE(accepts(email, R"("first.last+tag@mail.example-host.org")"));
  for (const char* bad : {R"("a@b")", R"("@b.com")", R"("a..b@c.com")", R"("a@-b.com")",
                          R"("a@b-.com")", R"("a b@c.com")"}) {
    EXPECT_TRUE(rejects(email, bad));
  }
  const SchemaGrammar ipv4(R"({"type": "string", "format": "ipv4"})");
  EXPECT_TRUE(accepts(ipv4, R"("192.168.0.255")"));
  EXPECT_TRUE(rejects(ipv4, R"("192.168.0.256")"));
  EXPECT_TRUE(rejects(ipv4, R"("01.2.3.4")"));
  const SchemaGrammar uri(R"({"type": "string", "format": "uri", "minLength": 1})");
  for (const char* ok :
       {R"("https://user:pw@example.com:8080/a/b%20c?q=1&r=x#frag")", R"("urn:isbn:0451450523")",
        R"("mailto:a@b.org")", R"("file:///etc/hosts")", R"("x:")"}) {
    EXPECT_TRUE(accepts(uri, ok));
  }
  for (const char* bad : {R"("/relative/path")", R"("1http://x")", R"("http://exa mple.com")",
                          R"("http://host:80x/")", R"("a:%zz")", R"("")", R"("http://[::1]/")"}) {
    EXPECT_TRUE(rejects(uri, bad));
  }
  const SchemaGrammar ref(R"({"type": "string", "format": "uri-reference"})");
  for (const char* ok :
       {R"("/relative/path?x#y")", R"("../up")", R"("")", R"("//host/p")", R"("https://a.b")"}) {
    EXPECT_TRUE(accepts(ref, ok));
  }
  EXPECT_TRUE(rejects(ref, R"("a b")"));
  EXPECT_TRUE(has(schema_error_of(R"({"type": "string", "format": "hostname"})"),
                  "unsupported format 'hostname'"));
  EXPECT_TRUE(has(schema_error_of(R"({"type": "string", "format": "date", "maxLength": 8})"),
                  "'maxLength'"));
  // Formats apply to their own type only.
  const SchemaGrammar either(R"({"type": ["string", "integer"], "format": "date"})");
  EXPECT_TRUE(accepts(either, "12"));
  EXPECT_TRUE(rejects(either, R"("12")"));
}

TEST(JsonSchema, Pattern) {
  const SchemaGrammar anchored(R"({"type": "string", "pattern": "^[a-z]+[0-9]?$"})");
  EXPECT_TRUE(accepts(anchored, R"("abc1")"));
  EXPECT_TRUE(rejects(anchored, R"("abc12")"));
  EXPECT_TRUE(rejects(anchored, R"("")"));
  const SchemaGrammar search(R"({"type": "string", "pattern": "ab+c"})");
  EXPECT_TRUE(accepts(search, R"("xxabbcyy")"));
  EXPECT_TRUE(rejects(search, R"("xxacyy")"));
  const SchemaGrammar quote(R"({"type": "string", "pattern": "^a\"b$"})");
  EXPECT_TRUE(accepts(quote, R"("a\"b")"));
  // Lengths fold into the one repetition that decides them.
  const SchemaGrammar sized(R"({"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "minLength": 3,
      "maxLength": 5})");
  EXPECT_TRUE(rejects(sized, R"("ab")"));
  EXPECT_TRUE(accepts(sized, R"("abc")"));
  EXPECT_TRUE(accepts(sized, R"("a-2-4")"));
  EXPECT_TRUE(rejects(sized, R"("abcdef")"));
  EXPECT_TRUE(rejects(sized, R"("1bc")"));
  const SchemaGrammar prefix(R"({"type": "string", "pattern": "^ab", "maxLength": 4})");
  EXPECT_TRUE(accepts(prefix, R"("ab")"));
  EXPECT_TRUE(accepts(prefix, R"("ab\"d")"));
  EXPECT_TRUE(rejects(prefix, R"("abcde")"));
  const SchemaGrammar fits(R"({"type": "string", "pattern": "^[0-9]{3}$", "minLength": 1,
      "maxLength": 3})");
  EXPECT_TRUE(accepts(fits, R"("123")"));
  const SchemaGrammar long_count(R"({"type": "string", "pattern": "^\\S+$", "maxLength": 2048})");
  EXPECT_TRUE(accepts(long_count, "\"" + std::string(2048, 'x') + "\""));
  EXPECT_TRUE(rejects(long_count, "\"" + std::string(2049, 'x') + "\""));
  EXPECT_TRUE(has(schema_error_of(R"({"type": "string", "pattern": "^[0-9]{3}$", "minLength": 4})"),
                  "no JSON value"));
  EXPECT_TRUE(
      has(schema_error_of(R"({"type": "string", "pattern": "a", "maxLength": 3})"), "'maxLength'"));
  EXPECT_TRUE(has(schema_error_of(R"({"type": "string", "pattern": "(a"})"), "'pattern'"));
}

TEST(JsonSchema, EnumAndConst) {
  const SchemaGrammar e(R"({"enum": ["red", 1, null, {"a": [1, 2]}, true, "x\"y"]})");
  for (const char* ok : {R"("red")", "1", "null", R"({"a":[1,2]})", "true", R"("x\"y")"}) {
    EXPECT_TRUE(accepts(e, ok));
  }
  for (const char* bad : {R"("blue")", "1.0", R"({"a":[1]})", "false"}) {
    EXPECT_TRUE(rejects(e, bad));
  }
  const SchemaGrammar typed(R"({"type": "string", "enum": ["a", 1, "b"]})");
  EXPECT_TRUE(accepts(typed, R"("b")"));
  EXPECT_TRUE(rejects(typed, "1"));
  const SchemaGrammar c(R"({"const": "fixed"})");
  EXPECT_TRUE(accepts(c, R"("fixed")"));
  EXPECT_TRUE(rejects(c, "null"));
  EXPECT_TRUE(rejects(c, R"("other")"));
  // Draft 4 has no "const": its validators ignore it, and so does the grammar.
  const SchemaGrammar draft4(R"({"$schema": "http://json-schema.org/draft-04/schema#",
      "type": "string", "const": "x"})");
  EXPECT_TRUE(accepts(draft4, R"("y")"));
  const SchemaGrammar unicode(R"({"const": "caf\u00e9"})");
  EXPECT_TRUE(accepts(unicode, "\"caf\xC3\xA9\""));
  EXPECT_TRUE(has(schema_error_of(R"({"enum": ["a"], "type": "integer"})"), "no JSON value"));
  // Other keywords beside enum keep the values that satisfy them.
  const SchemaGrammar filtered(R"({"enum": ["a", "abcd", 5, 50], "maxLength": 3, "maximum": 9})");
  EXPECT_TRUE(accepts(filtered, R"("a")"));
  EXPECT_TRUE(rejects(filtered, R"("abcd")"));
  EXPECT_TRUE(accepts(filtered, "5"));
  EXPECT_TRUE(rejects(filtered, "50"));
  EXPECT_TRUE(
      has(schema_error_of(R"({"enum": [{"b": 1, "a": 2}], "properties": {"a": {}, "b": {}}})"),
          "cannot be checked"));
}

TEST(JsonSchema, ObjectPropertiesInOrder) {
  const SchemaGrammar g(R"({"type": "object", "properties": {
      "a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}},
      "required": ["b"], "additionalProperties": false})");
  for (const char* ok : {R"({"b":"x"})", R"({"a":1,"b":"x"})", R"({"b":"x","c":true})",
                         R"({"a":1,"b":"x","c":false})"}) {
    EXPECT_TRUE(accepts(g, ok));
  }
  for (const char* bad :
       {"{}", R"({"a":1})", R"({"b":"x","a":1})", R"({"b":1})", R"({"b":"x","d":1})",
        R"({"b":"x",})", R"({,"b":"x"})", R"({"a":1,,"b":"x"})", R"({"b":"x","b":"y"})"}) {
    EXPECT_TRUE(rejects(g, bad));
  }
  const SchemaGrammar all_optional(R"({"type": "object", "properties": {
      "a": {"type": "integer"}, "b": {"type": "integer"}}, "additionalProperties": false})");
  for (const char* ok : {"{}", R"({"a":1})", R"({"b":2})", R"({"a":1,"b":2})"}) {
    EXPECT_TRUE(accepts(all_optional, ok));
  }
  EXPECT_TRUE(rejects(all_optional, R"({"b":2,"a":1})"));
}

TEST(JsonSchema, AdditionalProperties) {
  // Absent: any other key, with any value, after the declared ones.
  const SchemaGrammar open(R"({"type": "object", "properties": {"id": {"type": "integer"}}})");
  for (const char* ok : {"{}", R"({"id":1})", R"({"id":1,"x":[null]})", R"({"x":"y","i":2})",
                         R"({"idx":"s"})", R"({"":1})", R"({"x\"y":1})"}) {
    EXPECT_TRUE(accepts(open, ok));
  }
  // "id" may not come back as an undeclared key (with a wrong type, or twice).
  for (const char* bad : {R"({"id":"s"})", R"({"id":1,"id":2})", R"({"x":1,"id":1})"}) {
    EXPECT_TRUE(rejects(open, bad));
  }
  const SchemaGrammar typed(R"({"properties": {"a": {"type": "string"}},
      "additionalProperties": {"type": "integer"}})");
  EXPECT_TRUE(accepts(typed, R"({"a":"s","b":1,"c":2})"));
  EXPECT_TRUE(rejects(typed, R"({"a":"s","b":"t"})"));
  EXPECT_TRUE(accepts(typed, "7"));  // no "type": other types stay valid
  const SchemaGrammar map(R"({"type": "object", "additionalProperties": {"type": "boolean"}})");
  EXPECT_TRUE(accepts(map, R"({"x":true,"\u0041":false})"));
  EXPECT_TRUE(rejects(map, R"({"x":1})"));
  // A required key not among the properties takes the additionalProperties schema.
  const SchemaGrammar req(R"({"type": "object", "required": ["k"],
      "additionalProperties": {"type": "integer"}})");
  EXPECT_TRUE(accepts(req, R"({"k":1})"));
  EXPECT_TRUE(accepts(req, R"({"k":1,"j":2})"));
  EXPECT_TRUE(rejects(req, R"({"j":2})"));
  EXPECT_TRUE(has(schema_error_of(R"({"type": "object", "required": ["k"],
      "additionalProperties": false})"),
                  "no JSON value"));
}

TEST(JsonSchema, PropertyCounts) {
  const SchemaGrammar g(R"({"type": "object", "properties": {"a": {}, "b": {}, "c": {}},
      "minProperties": 1, "maxProperties": 2, "additionalProperties": false})");
  EXPECT_TRUE(rejects(g, "{}"));
  EXPECT_TRUE(accepts(g, R"({"b":1})"));
  EXPECT_TRUE(accepts(g, R"({"a":1,"c":2})"));
  EXPECT_TRUE(rejects(g, R"({"a":1,"b":2,"c":3})"));
  const SchemaGrammar extra(R"({"type": "object", "properties": {"a": {"type": "integer"}},
      "minProperties": 2, "maxProperties": 3})");
  EXPECT_TRUE(rejects(extra, R"({"a":1})"));
  EXPECT_TRUE(accepts(extra, R"({"a":1,"x":2})"));
  EXPECT_TRUE(accepts(extra, R"({"x":1,"y":2,"z":3})"));
  EXPECT_TRUE(rejects(extra, R"({"a":1,"x":2,"y":3,"z":4})"));
}

TEST(JsonSchema, Arrays) {
  const SchemaGrammar g(R"({"type": "array", "items": {"type": "integer"}, "minItems": 1,
      "maxItems": 3})");
  EXPECT_TRUE(rejects(g, "[]"));
  EXPECT_TRUE(accepts(g, "[1]"));
  EXPECT_TRUE(accepts(g, "[1,2,3]"));
  EXPECT_TRUE(rejects(g, "[1,2,3,4]"));
  EXPECT_TRUE(rejects(g, R"([1,"a"])"));
  EXPECT_TRUE(rejects(g, "[1,]"));
  const SchemaGrammar tuple(R"({"prefixItems": [{"type": "string"}, {"type": "integer"}],
      "items": false})");
  EXPECT_TRUE(accepts(tuple, "[]"));
  EXPECT_TRUE(accepts(tuple, R"(["a"])"));
  EXPECT_TRUE(accepts(tuple, R"(["a",1])"));
  EXPECT_TRUE(rejects(tuple, R"(["a",1,2])"));
  EXPECT_TRUE(rejects(tuple, R"([1])"));
  const SchemaGrammar rest(R"({"type": "array", "prefixItems": [{"type": "string"}],
      "items": {"type": "null"}, "minItems": 2})");
  EXPECT_TRUE(rejects(rest, R"(["a"])"));
  EXPECT_TRUE(accepts(rest, R"(["a",null,null])"));
  EXPECT_TRUE(rejects(rest, R"(["a",null,1])"));
  const SchemaGrammar legacy(R"({"type": "array", "items": [{"const": 1}, {"const": 2}],
      "additionalItems": {"type": "string"}})");
  EXPECT_TRUE(accepts(legacy, R"([1,2,"x","y"])"));
  EXPECT_TRUE(rejects(legacy, R"([1,2,3])"));
  const SchemaGrammar legacy_open(R"({"type": "array", "items": [{"const": 1}]})");
  EXPECT_TRUE(accepts(legacy_open, R"([1,{},[]])"));
  EXPECT_TRUE(has(schema_error_of(R"({"type": "array", "prefixItems": [{"type": "string"}],
      "items": false, "minItems": 2})"),
                  "no JSON value"));
}

TEST(JsonSchema, Whitespace) {
  const char* schema = R"({"type": "object", "properties": {"a": {"type": "array"}}})";
  const SchemaGrammar flexible(schema, {});
  EXPECT_TRUE(accepts(flexible, R"({ "a" : [ 1 , 2 ] })"));
  EXPECT_TRUE(accepts(flexible, "{\n  \"a\": [\n    1,\n    2\n  ]\n}"));
  EXPECT_TRUE(accepts(flexible, "{\n\t\"a\": []\n}"));
  EXPECT_TRUE(accepts(flexible, R"({"a":[]})"));
  EXPECT_TRUE(rejects(flexible, " {}"));
  EXPECT_TRUE(rejects(flexible, "{} "));
  EXPECT_TRUE(rejects(flexible, "{\n" + std::string(21, ' ') + "\"a\": []}"));
  EXPECT_TRUE(rejects(flexible, R"({  "a": []})"));
  const SchemaGrammar compact(schema);
  EXPECT_TRUE(accepts(compact, R"({"a":[1,2]})"));
  EXPECT_TRUE(rejects(compact, R"({"a": [1,2]})"));
}

TEST(JsonSchema, AnyOfAndOneOf) {
  const SchemaGrammar any(R"({"anyOf": [{"type": "string", "maxLength": 1}, {"type": "integer"},
      {"type": "string", "format": "date"}]})");
  EXPECT_TRUE(accepts(any, R"("a")"));
  EXPECT_TRUE(accepts(any, "5"));
  EXPECT_TRUE(accepts(any, R"("2024-01-01")"));
  EXPECT_TRUE(rejects(any, R"("ab")"));
  // Sibling keywords apply to every alternative.
  const SchemaGrammar siblings(R"({"type": "object", "properties": {"a": {"type": "integer"},
      "b": {"type": "integer"}}, "additionalProperties": false,
      "anyOf": [{"required": ["a"]}, {"required": ["b"]}]})");
  EXPECT_TRUE(accepts(siblings, R"({"a":1})"));
  EXPECT_TRUE(accepts(siblings, R"({"a":1,"b":2})"));
  EXPECT_TRUE(rejects(siblings, "{}"));
  const SchemaGrammar by_type(R"({"oneOf": [{"type": "string"}, {"type": "number"}]})");
  EXPECT_TRUE(accepts(by_type, "1.5"));
  EXPECT_TRUE(accepts(by_type, R"("s")"));
  const SchemaGrammar tagged(R"({"oneOf": [
      {"type": "object", "properties": {"kind": {"const": "cat"}, "lives": {"type": "integer"}},
       "required": ["kind"]},
      {"type": "object", "properties": {"kind": {"enum": ["dog"]}, "bark": {"type": "string"}},
       "required": ["kind", "bark"]}]})");
  EXPECT_TRUE(accepts(tagged, R"({"kind":"cat","lives":9})"));
  EXPECT_TRUE(accepts(tagged, R"({"kind":"dog","bark":"woof"})"));
  EXPECT_TRUE(rejects(tagged, R"({"kind":"dog"})"));
  EXPECT_TRUE(has(schema_error_of(R"({"oneOf": [{"type": "integer"}, {"type": "number"}]})"),
                  "oneOf alternatives 0 and 1 may both match"));
  EXPECT_TRUE(
      has(schema_error_of(R"({"oneOf": [{"type": "object"}, {"required": ["a"]}]})"), "oneOf"));
}

TEST(JsonSchema, AllOfMerges) {
  const SchemaGrammar g(R"({"allOf": [
      {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}, "required": ["a"]},
      {"properties": {"a": {"maximum": 9}, "b": {"type": "string"}}, "required": ["b"]}]})");
  EXPECT_TRUE(accepts(g, R"({"a":5,"b":"x"})"));
  EXPECT_TRUE(rejects(g, R"({"a":10,"b":"x"})"));
  EXPECT_TRUE(rejects(g, R"({"a":5})"));
  // additionalProperties: false in one part forbids the other part's properties.
  const SchemaGrammar closed(R"({"allOf": [
      {"properties": {"a": {}}, "additionalProperties": false},
      {"properties": {"b": {}}}], "type": "object"})");
  EXPECT_TRUE(accepts(closed, R"({"a":1})"));
  EXPECT_TRUE(rejects(closed, R"({"a":1,"b":2})"));
  const SchemaGrammar types(R"({"allOf": [{"type": ["number", "string"]}, {"type": "integer"}]})");
  EXPECT_TRUE(accepts(types, "3"));
  EXPECT_TRUE(rejects(types, "3.5"));
  EXPECT_TRUE(rejects(types, R"("s")"));
  const SchemaGrammar strings(R"({"allOf": [{"type": "string", "minLength": 2},
      {"maxLength": 3}, {"minLength": 1}]})");
  EXPECT_TRUE(rejects(strings, R"("a")"));
  EXPECT_TRUE(accepts(strings, R"("abc")"));
  EXPECT_TRUE(rejects(strings, R"("abcd")"));
  const SchemaGrammar enums(R"({"allOf": [{"enum": [1, 2, 3]}, {"enum": [2, 3, 4]}]})");
  EXPECT_TRUE(accepts(enums, "2"));
  EXPECT_TRUE(rejects(enums, "1"));
  EXPECT_TRUE(
      has(schema_error_of(R"({"allOf": [{"pattern": "a"}, {"pattern": "b"}]})"), "'pattern'"));
  // unevaluatedProperties sees the properties of every allOf part.
  const SchemaGrammar unevaluated(R"({"type": "object", "allOf": [{"properties": {"a": {}}}],
      "properties": {"b": {}}, "unevaluatedProperties": false})");
  EXPECT_TRUE(accepts(unevaluated, R"({"a":1,"b":2})"));
  EXPECT_TRUE(rejects(unevaluated, R"({"a":1,"c":2})"));
}

TEST(JsonSchema, RefsAndRecursion) {
  const SchemaGrammar list(R"({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object",
      "properties": {"value": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/node"},
      {"type": "null"}]}}, "required": ["value", "next"], "additionalProperties": false}}})");
  EXPECT_TRUE(accepts(list, R"({"value":1,"next":null})"));
  EXPECT_TRUE(accepts(list, R"({"value":1,"next":{"value":2,"next":{"value":3,"next":null}}})"));
  EXPECT_TRUE(rejects(list, R"({"value":1,"next":{"value":2}})"));
  const SchemaGrammar tree(R"({"type": "object", "properties": {"name": {"type": "string"},
      "children": {"type": "array", "items": {"$ref": "#"}}}, "required": ["name"],
      "additionalProperties": false})");
  EXPECT_TRUE(
      accepts(tree, R"({"name":"a","children":[{"name":"b"},{"name":"c","children":[]}]})"));
  EXPECT_TRUE(rejects(tree, R"({"name":"a","children":[{"children":[]}]})"));
  const SchemaGrammar legacy(R"({"definitions": {"id": {"type": "integer", "minimum": 1}},
      "type": "array", "items": {"$ref": "#/definitions/id", "description": "an id"}})");
  EXPECT_TRUE(accepts(legacy, "[1,2]"));
  EXPECT_TRUE(rejects(legacy, "[0]"));
  // A $ref with constraining siblings is the conjunction of both.
  const SchemaGrammar sibling(R"({"$defs": {"n": {"type": "integer"}},
      "$ref": "#/$defs/n", "maximum": 3})");
  EXPECT_TRUE(accepts(sibling, "3"));
  EXPECT_TRUE(rejects(sibling, "4"));
  const SchemaGrammar escaped(R"({"$defs": {"a/b c": {"const": 1}},
      "$ref": "#/$defs/a~1b%20c"})");
  EXPECT_TRUE(accepts(escaped, "1"));
  EXPECT_TRUE(has(schema_error_of(R"({"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/b"},
      "b": {"$ref": "#/$defs/a"}}})"),
                  "leads back to itself"));
  EXPECT_TRUE(has(schema_error_of(R"({"$ref": "other.json#/a"})"), "not supported"));
  EXPECT_TRUE(has(schema_error_of(R"({"$ref": "#/$defs/missing"})"), "points at nothing"));
  EXPECT_TRUE(
      has(schema_error_of(R"({"$ref": "#/$defs/x", "$defs": {"x": false}})"), "no JSON value"));
}

TEST(JsonSchema, UnsupportedKeywordsAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"type": "object", "properties": {"x": {"not": {"type": "string"}}}})",
       "unsupported keyword 'not' at /properties/x"},
      {R"({"if": {"type": "string"}, "then": {"minLength": 1}})", "'if'"},
      {R"({"patternProperties": {"^a": {}}})", "'patternProperties'"},
      {R"({"propertyNames": {"maxLength": 3}})", "'propertyNames'"},
      {R"({"type": "array", "uniqueItems": true})", "'uniqueItems'"},
      {R"({"type": "array", "contains": {"type": "string"}})", "'contains'"},
      {R"({"dependentRequired": {"a": ["b"]}})", "'dependentRequired'"},
      {R"({"dependencies": {"a": ["b"]}})", "'dependencies'"},
      {R"({"items": {"$dynamicRef": "#node"}})", "'$dynamicRef' at /items"},
      {R"({"anyOf": [{"type": "string"}, {"multipleOf": 3}]})", "at /anyOf/1"},
      {R"({"type": "strng"})", "unknown type 'strng'"},
  };
  for (const auto& [schema, message] : cases) {
    const std::string error = schema_error_of(schema);
    EXPECT_TRUE(has(error, "JSON schema: ")) << schema;
    EXPECT_TRUE(has(error, message)) << schema << " gave: " << error;
  }
  // Inert forms of the same keywords and annotations are fine.
  const SchemaGrammar g(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "x", "title": "t", "examples": [1], "default": 1, "deprecated": true,
      "readOnly": true, "x-vendor": {"not": 1}, "uniqueItems": false, "patternProperties": {},
      "then": {"type": "string"}, "type": "integer"})");
  EXPECT_TRUE(accepts(g, "1"));
}

TEST(JsonSchema, PlainJsonKeepsSortedKeys) {
  // nlohmann::json sorts keys, so properties come in alphabetical order.
  const std::string gbnf = json_schema_to_gbnf(
      nlohmann::json::parse(R"({"properties": {"b": {}, "a": {}}, "additionalProperties": false})"),
      {.whitespace = JsonSchemaOptions::Whitespace::kCompact});
  const auto g = compile_gbnf(gbnf);
  EXPECT_TRUE(grammar_matches(*g, R"({"a":1,"b":2})"));
  EXPECT_FALSE(grammar_matches(*g, R"({"b":2,"a":1})"));
}

}  // namespace
}  // namespace minke
