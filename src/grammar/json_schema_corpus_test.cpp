// Tests for the JSON Schema translator on the handmade structured-output schemas
// (tests/conformance/handmade), which must all compile, plus the oneOf proofs and grammar shapes
// that real-world schemas rely on.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "grammar/json_schema_test_util.h"

namespace minke {
namespace {

TEST(JsonSchemaCorpus, EverySchemaCompilesOrIsRefused) {
  const std::filesystem::path dir =
      std::filesystem::path(MINKE_SOURCE_DIR) / "tests/conformance/handmade";
  int compiled = 0, refused = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const auto schema = nlohmann::ordered_json::parse(in);
    const std::string name = entry.path().filename().string();
    std::string gbnf;
    try {
      gbnf = json_schema_to_gbnf(schema);
    } catch (const Error& e) {
      ++refused;
      ADD_FAILURE() << name << ": " << e.what();
      continue;
    }
    EXPECT_NO_THROW(compile_gbnf(gbnf)) << name;
    ++compiled;
  }
  EXPECT_EQ(refused, 0);  // written for structured output: every one must compile
  EXPECT_GE(compiled, 12);
  std::printf("corpus: %d compiled, %d refused\n", compiled, refused);
}

TEST(JsonSchemaCorpus, OneOfProofs) {
  // One alternative requires a property the other forbids.
  const SchemaGrammar forbidden(R"({"type": "object", "oneOf": [
      {"properties": {"kind": {"enum": ["disk"]}, "device": {"type": "string"}},
       "required": ["kind", "device"], "additionalProperties": false},
      {"properties": {"kind": {"enum": ["disk"]}, "label": {"type": "string"}},
       "required": ["kind", "label"], "additionalProperties": false}]})");
  EXPECT_TRUE(accepts(forbidden, R"({"kind":"disk","device":"sda"})"));
  EXPECT_TRUE(rejects(forbidden, R"({"kind":"disk"})"));
  // Listed values that fail the other alternative's pattern.
  const SchemaGrammar values(R"({"oneOf": [{"type": "string", "pattern": "^[0-9 x]+$"},
      {"enum": ["any"]}]})");
  EXPECT_TRUE(accepts(values, R"("16x16")"));
  EXPECT_TRUE(accepts(values, R"("any")"));
  EXPECT_TRUE(has_error(R"({"oneOf": [{"enum": ["linux"]}, {"type": "string"}]})", "oneOf"));
  // Siblings narrow the alternatives before the proof.
  const char* alternatives = R"([{"required": ["a"], "properties": {"a": {"const": 1}}},
      {"required": ["a"], "properties": {"a": {"const": 2}}}])";
  const SchemaGrammar narrowed(std::string(R"({"type": "object", "oneOf": )") + alternatives + "}");
  EXPECT_TRUE(accepts(narrowed, R"({"a":2})"));
  EXPECT_TRUE(rejects(narrowed, R"({"a":3})"));
  EXPECT_TRUE(has_error(std::string(R"({"oneOf": )") + alternatives + "}", "may both match"));
}

TEST(JsonSchemaCorpus, EmptyRefIsNeverProduced) {
  const SchemaGrammar g(R"({"type": "object", "properties": {"a": {"$ref": "#/$defs/never"},
      "b": {"type": "integer"}}, "$defs": {"never": false}})");
  EXPECT_TRUE(accepts(g, R"({"b":1})"));
  EXPECT_TRUE(rejects(g, R"({"a":1})"));
  EXPECT_TRUE(
      has_error(R"({"anyOf": [{"$ref": "#"}, {"type": "string"}]})", "leads back to itself"));
}

TEST(JsonSchemaCorpus, ManyOptionalPropertiesStayFast) {
  std::string schema = R"({"type": "object", "additionalProperties": false, "properties": {)";
  std::string all = "{";
  for (int i = 0; i < 200; ++i) {
    const std::string key = "p" + std::to_string(i);
    schema += (i ? ", \"" : "\"") + key + R"(": {"type": "integer"})";
    if (i % 3 == 0)
      all += std::string(all.size() > 1 ? "," : "") + "\"" + key + "\":" + std::to_string(i);
  }
  schema += "}}";
  all += "}";
  const SchemaGrammar g(schema);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(accepts(g, all));
  EXPECT_TRUE(accepts(g, R"({"p199":1})"));
  EXPECT_TRUE(rejects(g, R"({"p5":1,"p4":1})"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);  // linear in the properties, even under sanitizers
}

}  // namespace
}  // namespace minke
