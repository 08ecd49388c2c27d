// JSON Schema -> GBNF: the grammar behind response_format {"type": "json_schema"} and tool-call
// arguments. The grammar's sentences are JSON texts valid under the schema; a keyword it cannot
// express exactly is refused with an error instead of being ignored.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace minke {

struct JsonSchemaOptions {
  enum class Whitespace {
    // Between tokens: nothing, one space, or a newline and up to 20 spaces/tabs of indentation
    // (bounded, so a model cannot loop on whitespace forever).
    kFlexible,
    // No whitespace at all.
    kCompact,
  };
  Whitespace whitespace = Whitespace::kFlexible;
};

// GBNF (root rule "root") whose sentences are JSON texts valid under `schema`, with no whitespace
// before or after the root value. Object properties are generated in the order the schema
// lists them: nlohmann::json keeps keys sorted, so parse into nlohmann::ordered_json to keep the
// schema's own order. Throws minke::Error ("JSON schema: unsupported keyword 'not' at
// /properties/x") for what it cannot express exactly; annotation keywords (title, description,
// default, examples, ...) and keywords unknown to JSON Schema are ignored, as the spec says.
// OpenAPI 3.0's "nullable" is accepted and, as JSON Schema validators do, ignored: a value of
// the schema's own type is valid under either reading, null only under OpenAPI's.
//
// Bounded by design, so a model cannot emit forever: numbers have at most 15 integer digits and
// 15 fraction digits and a 1-2 digit exponent (bounded numbers have none); times at most 9
// fraction-of-second digits. Strings and arrays are unbounded unless the schema bounds them.
std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema,
                                const JsonSchemaOptions& options = {});
std::string json_schema_to_gbnf(const nlohmann::json& schema,
                                const JsonSchemaOptions& options = {});

// GBNF for any JSON object (response_format {"type": "json_object"}): root is an object.
std::string json_object_gbnf(const JsonSchemaOptions& options = {});

}  // namespace minke
