// Tests for numbers in the JSON Schema translator: JSON number syntax, the digit limits, and
// minimum/maximum/exclusive bounds checked exhaustively over a window of integers and decimals.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "grammar/json_schema_test_util.h"

namespace minke {
namespace {

struct Bounds {
  std::string keywords;  // e.g. "\"minimum\": 10, \"maximum\": 255"
  std::optional<double> lo, hi;
  bool lo_exclusive = false, hi_exclusive = false;

  bool contains(double v) const {
    if (lo && (lo_exclusive ? v <= *lo : v < *lo)) return false;
    if (hi && (hi_exclusive ? v >= *hi : v > *hi)) return false;
    return true;
  }
};

std::string schema_for(const char* type, const Bounds& b) {
  return std::string("{\"type\": \"") + type + "\"" + (b.keywords.empty() ? "" : ", ") +
         b.keywords + "}";
}

const std::vector<Bounds>& integer_bounds() {
  static const std::vector<Bounds> kBounds = {
      {R"("minimum": 10, "maximum": 255)", 10, 255},
      {R"("minimum": -5, "maximum": 17)", -5, 17},
      {R"("minimum": 0)", 0, std::nullopt},
      {R"("maximum": -3)", std::nullopt, -3},
      {R"("exclusiveMinimum": -100, "exclusiveMaximum": 100)", -100, 100, true, true},
      {R"("minimum": 2.5, "maximum": 7.5)", 2.5, 7.5},
      {R"("minimum": -300, "maximum": -250)", -300, -250},
      {R"("minimum": 7, "maximum": 7)", 7, 7},
      {R"("minimum": 99, "maximum": 101)", 99, 101},
      {R"("minimum": 0, "maximum": 0)", 0, 0},
      {R"("exclusiveMinimum": 0)", 0, std::nullopt, true},
      {R"("minimum": 5, "exclusiveMinimum": true, "maximum": 200)", 5, 200, true},
      {R"("minimum": -19, "maximum": 1000)", -19, 1000},
      {R"("minimum": 1, "exclusiveMaximum": 200.5)", 1, 200.5, false, true},
      {R"("minimum": 100, "maximum": 199)", 100, 199},
      {R"("minimum": -1e2, "maximum": 1.0e2)", -100, 100},
      {R"("minimum": 3, "exclusiveMinimum": 3)", 3, std::nullopt, true},
      {R"("format": "uint8")", 0, 255},
      {R"("format": "int8", "minimum": -10)", -10, 127},
  };
  return kBounds;
}

TEST(JsonSchemaNumber, IntegerRangesAreExact) {
  for (const Bounds& b : integer_bounds()) {
    const SchemaGrammar g(schema_for("integer", b));
    for (int v = -300; v <= 300; ++v) {
      const std::string text = std::to_string(v);
      EXPECT_EQ(g.accepts(text), b.contains(v)) << b.keywords << " on " << text << "\n" << g.gbnf();
    }
    for (const double v : {-100000.0, -1000.0, 999.0, 1000.0, 65535.0, 1e14}) {
      const std::string text = std::to_string(static_cast<long long>(v));
      EXPECT_EQ(g.accepts(text), b.contains(v)) << b.keywords << " on " << text;
    }
    EXPECT_TRUE(rejects(g, "-0"));
    EXPECT_TRUE(rejects(g, "05"));
    EXPECT_TRUE(rejects(g, "5.0"));
  }
}

TEST(JsonSchemaNumber, DecimalRangesAreExact) {
  const std::vector<Bounds> bounds = {
      {R"("minimum": 0, "maximum": 1)", 0, 1},
      {R"("exclusiveMinimum": 0)", 0, std::nullopt, true},
      {R"("minimum": -1.5, "maximum": 2.25)", -1.5, 2.25},
      {R"("exclusiveMinimum": -1.5, "exclusiveMaximum": 2.25)", -1.5, 2.25, true, true},
      {R"("minimum": 0.05, "exclusiveMaximum": 0.5)", 0.05, 0.5, false, true},
      {R"("minimum": -3)", -3, std::nullopt},
      {R"("exclusiveMaximum": -0.25)", std::nullopt, -0.25, false, true},
      {R"("minimum": 12.125, "maximum": 12.5)", 12.125, 12.5},
      {R"("minimum": 10, "maximum": 250)", 10, 250},
  };
  const char* fractions[] = {"", ".0", ".5", ".25", ".05", ".125", ".999", ".001", ".10", ".2500"};
  for (const Bounds& b : bounds) {
    const SchemaGrammar g(schema_for("number", b));
    for (int v = -300; v <= 300; ++v) {
      for (const char* f : fractions) {
        for (const bool negative : {false, true}) {
          if (negative != (v < 0) && !(negative && v == 0)) continue;
          const std::string text = (negative ? "-" : "") + std::to_string(std::abs(v)) + f;
          const double value = std::strtod(text.c_str(), nullptr);
          if (value == 0 && negative) {
            EXPECT_TRUE(rejects(g, text));  // "-0", "-0.0": never generated
            continue;
          }
          EXPECT_EQ(g.accepts(text), b.contains(value)) << b.keywords << " on " << text << "\n"
                                                        << g.gbnf();
        }
      }
    }
    EXPECT_TRUE(rejects(g, "1e2"));  // bounded numbers have no exponent
  }
}

TEST(JsonSchemaNumber, Syntax) {
  const SchemaGrammar g(R"({"type": "number"})");
  for (const char* ok : {"0", "-0", "1", "-12.5", "0.001", "1e5", "1E+5", "2.5e-10", "-0.0e0",
                         "123456789012345", "0.123456789012345"}) {
    EXPECT_TRUE(accepts(g, ok));
  }
  for (const char* bad : {"", "01", "-", "1.", ".5", "+1", "1e", "1e+", "0x10", "1.5.2", "NaN",
                          "1234567890123456", "0.1234567890123456", "1e100", " 1", "1 "}) {
    EXPECT_TRUE(rejects(g, bad));
  }
  const SchemaGrammar i(R"({"type": "integer"})");
  for (const char* ok : {"0", "7", "-7", "100", "999999999999999", "-999999999999999"}) {
    EXPECT_TRUE(accepts(i, ok));
  }
  for (const char* bad : {"-0", "01", "1.0", "1e2", "1000000000000000", "-"}) {
    EXPECT_TRUE(rejects(i, bad));
  }
}

TEST(JsonSchemaNumber, MultipleOfPowersOfTen) {
  const SchemaGrammar cents(R"({"type": "number", "multipleOf": 0.01, "minimum": 0})");
  EXPECT_TRUE(accepts(cents, "12.34"));
  EXPECT_TRUE(accepts(cents, "12.3"));
  EXPECT_TRUE(accepts(cents, "12"));
  EXPECT_TRUE(rejects(cents, "12.345"));
  EXPECT_TRUE(rejects(cents, "-1"));
  const SchemaGrammar whole(R"({"type": "number", "multipleOf": 1})");
  EXPECT_TRUE(accepts(whole, "-12"));
  EXPECT_TRUE(rejects(whole, "1.5"));
  const SchemaGrammar integer(R"({"type": "integer", "multipleOf": 1, "maximum": 3})");
  EXPECT_TRUE(accepts(integer, "3"));
  EXPECT_TRUE(rejects(integer, "4"));
  EXPECT_NE(schema_error_of(R"({"type": "integer", "multipleOf": 5})").find("'multipleOf'"),
            std::string::npos);
  EXPECT_NE(schema_error_of(R"({"type": "number", "multipleOf": 0.5})").find("'multipleOf'"),
            std::string::npos);
}

TEST(JsonSchemaNumber, BoundsBeyondTheDigitLimit) {
  // A bound past the 15-digit numbers generated cuts nothing...
  const SchemaGrammar g(
      R"({"type": "integer", "minimum": -9223372036854775808, "maximum": 1e300})");
  EXPECT_TRUE(accepts(g, "-999999999999999"));
  EXPECT_TRUE(accepts(g, "999999999999999"));
  // ... or leaves nothing, which is an error naming the keyword.
  EXPECT_NE(schema_error_of(R"({"type": "integer", "minimum": 1e20})").find("minimum"),
            std::string::npos);
  EXPECT_NE(schema_error_of(R"({"type": "number", "maximum": -1e16})").find("maximum"),
            std::string::npos);
  EXPECT_NE(
      schema_error_of(R"({"type": "integer", "minimum": 5, "maximum": 4})").find("no JSON value"),
      std::string::npos);
  EXPECT_NE(schema_error_of(R"({"type": "integer", "minimum": 2.1, "maximum": 2.9})")
                .find("no JSON value"),
            std::string::npos);
}

TEST(JsonSchemaNumber, NumberAndIntegerTogether) {
  const SchemaGrammar g(R"({"type": ["integer", "number"], "minimum": 0, "maximum": 1})");
  EXPECT_TRUE(accepts(g, "0.5"));
  EXPECT_TRUE(accepts(g, "1"));
  EXPECT_TRUE(rejects(g, "1.5"));
  const SchemaGrammar formats(R"({"type": "number", "format": "double"})");
  EXPECT_TRUE(accepts(formats, "1e10"));
  const SchemaGrammar int32(R"({"type": "integer", "format": "int32"})");
  EXPECT_TRUE(accepts(int32, "-2147483648"));
  EXPECT_TRUE(accepts(int32, "2147483647"));
  EXPECT_TRUE(rejects(int32, "2147483648"));
  EXPECT_TRUE(rejects(int32, "-2147483649"));
}

}  // namespace
}  // namespace minke
