// Helpers for the JSON Schema translator's tests: compile a schema's grammar and ask whether it
// accepts a text; catch the error a refused schema gives.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "grammar/grammar.h"
#include "grammar/json_schema.h"
#include "minke/error.h"

namespace minke {

class SchemaGrammar {
 public:
  explicit SchemaGrammar(
      std::string_view schema,
      JsonSchemaOptions options = {.whitespace = JsonSchemaOptions::Whitespace::kCompact})
      : gbnf_(json_schema_to_gbnf(nlohmann::ordered_json::parse(schema), options)),
        grammar_(compile_gbnf(gbnf_)) {}

  bool accepts(std::string_view text) const { return grammar_matches(*grammar_, text); }
  const std::string& gbnf() const { return gbnf_; }

 private:
  std::string gbnf_;
  std::shared_ptr<const Grammar> grammar_;
};

// The message json_schema_to_gbnf throws for `schema` ("" when it does not throw).
inline std::string schema_error_of(std::string_view schema) {
  try {
    json_schema_to_gbnf(nlohmann::ordered_json::parse(schema));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// For EXPECT_TRUE(has_error(schema, "'not'")): the schema is refused with a message holding `part`.
inline testing::AssertionResult has_error(std::string_view schema, std::string_view part) {
  const std::string error = schema_error_of(schema);
  if (!error.empty() && error.find(part) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "error '" << error << "' lacks '" << part << "'";
}

// For EXPECT_TRUE(accepts(g, text)): on failure, prints the text and the grammar.
inline testing::AssertionResult accepts(const SchemaGrammar& g, std::string_view text) {
  if (g.accepts(text)) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "rejects " << text << "\n" << g.gbnf();
}

inline testing::AssertionResult rejects(const SchemaGrammar& g, std::string_view text) {
  if (!g.accepts(text)) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "accepts " << text << "\n" << g.gbnf();
}

}  // namespace minke
