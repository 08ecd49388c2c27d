// Strings, numbers and the generic JSON value for the JSON Schema translator: JSON string syntax
// (RFC 8259: escapes, no raw control characters), lengths counted in characters, "pattern" via
// regex_to_gbnf, the date/time/date-time/uuid/email/ipv4 formats, and numeric bounds.
#include <map>

#include "core/check.h"
#include "grammar/json_schema_internal.h"
#include "grammar/regex_to_gbnf.h"
#include "minke/error.h"

namespace minke {

namespace {

const std::string kQuote = "\"\\\"\"";  // the GBNF literal for a double quote

// RFC 3339 full-date: days per month, 29 February only in leap years (divisible by 4, and
// centuries only when divisible by 400); years 0001-9999 (validators built on ISO 8601 dates,
// such as Python's, refuse year 0).
constexpr const char* kYear =
    R"([1-9] [0-9]{3} | "0" ( [1-9] [0-9]{2} | "0" ( [1-9] [0-9] | "0" [1-9] ) ))";
constexpr const char* kDay31 = R"("0" [1-9] | [12] [0-9] | "3" [01])";
constexpr const char* kDay30 = R"("0" [1-9] | [12] [0-9] | "30")";
constexpr const char* kDay28 = R"("0" [1-9] | "1" [0-9] | "2" [0-8])";
constexpr const char* kLeapYear =
    R"([0-9]{2} ( "0" [48] | [2468] [048] | [13579] [26] ) | ( "0" [48] | [2468] [048] | [13579] [26] ) "00")";
// RFC 3339 full-time with a required offset; seconds 00-59 (no leap second 60), at most 9
// fraction digits, "T" and "Z" in upper case (as common validators want them).
constexpr const char* kHour = R"([01] [0-9] | "2" [0-3])";
// RFC 4122 textual form, either case.
constexpr const char* kUuid =
    "[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" "
    "[0-9a-fA-F]{12}";
// A simple subset of RFC 5321/5322 addresses: a dot-atom local part ("a.b+c"), '@', and a domain
// of at least two letter/digit/hyphen labels (no quoted local parts, IP literals or length
// limits); none of these characters needs escaping in a JSON string.
constexpr const char* kAtext = "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~\\-]+";
constexpr const char* kLabel = R"([a-zA-Z0-9]+ ( "-"+ [a-zA-Z0-9]+ )*)";

// RFC 3986 URI and URI-reference, except IP-literal hosts ("[v6::1]"); the characters allowed
// need no escaping in a JSON string.
constexpr const char* kPctEncoded = R"("%" [0-9A-Fa-f]{2})";
constexpr const char* kUserinfoChar = R"([a-zA-Z0-9\-._~!$&'()*+,;=:])";
constexpr const char* kHostChar = R"([a-zA-Z0-9\-._~!$&'()*+,;=])";
constexpr const char* kNoColonChar = R"([a-zA-Z0-9\-._~!$&'()*+,;=@])";
constexpr const char* kPchar = R"([a-zA-Z0-9\-._~!$&'()*+,;=:@])";

// Each format's shortest and longest strings, in characters (kUnbounded: no limit), so that a
// minLength/maxLength that every such string meets can be accepted beside it.
const std::map<std::string, std::pair<int, int>, std::less<>> kStringFormats = {
    {"date", {10, 10}},         {"time", {9, 24}},
    {"date-time", {20, 35}},    {"uuid", {36, 36}},
    {"email", {5, kUnbounded}}, {"ipv4", {7, 15}},
    {"uri", {2, kUnbounded}},   {"uri-reference", {0, kUnbounded}},
};

}  // namespace

bool is_string_format(const std::string& format) { return kStringFormats.count(format) != 0; }

std::string JsonSchemaTranslator::ws() {
  if (options_.whitespace == JsonSchemaOptions::Whitespace::kCompact) return "";
  return out_.add_rule("ws", R"(( " " | "\n" [ \t]{0,20} )?)");
}

std::string JsonSchemaTranslator::sep() { return gbnf_seq({ws(), "\",\"", ws()}); }

// One character of a JSON string: raw (not '"', '\' or a control character) or an escape.
// \u escapes name a code point: surrogates only as a high-low pair, so every unit is one
// character for minLength/maxLength.
std::string JsonSchemaTranslator::json_char() {
  return out_.add_rule(
      "char",
      R"([^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" ( [0-9A-Ca-cEeFf] [0-9A-Fa-f]{3} | )"
      R"([Dd] [0-7] [0-9A-Fa-f]{2} | [Dd] [89ABab] [0-9A-Fa-f]{2} "\\u" [Dd] [C-Fc-f] [0-9A-Fa-f]{2} ) ))");
}

std::string JsonSchemaTranslator::any_string() {
  return out_.add_rule("string", gbnf_seq({kQuote, json_char() + "*", kQuote}));
}

// JSON number syntax (no leading zeros), bounded: 15 integer digits, 15 fraction digits and a
// 1-2 digit exponent (so the value stays a finite double).
std::string JsonSchemaTranslator::any_number() {
  const std::string digits = std::to_string(kMaxIntDigits - 1),
                    frac = std::to_string(kMaxFracDigits);
  return out_.add_rule("number", "\"-\"? ( \"0\" | [1-9] [0-9]{0," + digits +
                                     "} ) ( \".\" [0-9]{1," + frac +
                                     "} )? ( [eE] [+\\-]? [0-9]{1,2} )?");
}

std::string JsonSchemaTranslator::any_value() {
  if (!value_rule_.empty()) return value_rule_;
  value_rule_ = out_.reserve("value");
  const std::string w = ws(), s = sep();
  const std::string member =
      out_.add_rule("member", gbnf_seq({any_string(), w, "\":\"", w, value_rule_}));
  object_rule_ = out_.add_rule(
      "object", gbnf_seq({"\"{\"", w, "(", member, "(", s, member, ")*", w, ")?", "\"}\""}));
  const std::string array = out_.add_rule("array", gbnf_seq({"\"[\"", w, "(", value_rule_, "(", s,
                                                             value_rule_, ")*", w, ")?", "\"]\""}));
  out_.define(value_rule_, object_rule_ + " | " + array + " | " + any_string() + " | " +
                               any_number() + " | \"true\" | \"false\" | \"null\"");
  return value_rule_;
}

std::string JsonSchemaTranslator::format_gbnf(const std::string& format) {
  if (format == "date") {
    const std::string d31 = out_.add_rule("day31", kDay31), d30 = out_.add_rule("day30", kDay30);
    const std::string d28 = out_.add_rule("day28", kDay28);
    const std::string month_day = "( \"0\" [13578] \"-\" " + d31 + " | \"1\" [02] \"-\" " + d31 +
                                  " | \"0\" [469] \"-\" " + d30 + " | \"11-\" " + d30 +
                                  " | \"02-\" " + d28 + " )";
    const std::string leap = out_.add_rule("leap-year", kLeapYear);
    const std::string year = out_.add_rule("year", kYear);
    return out_.add_rule("date", year + " \"-\" " + month_day + " | " + leap + " \"-02-29\"");
  }
  if (format == "time") {
    const std::string hour = out_.add_rule("hour", kHour);
    const std::string minute_second = "\":\" [0-5] [0-9]";
    return out_.add_rule("time",
                         gbnf_seq({hour, minute_second, minute_second, "( \".\" [0-9]{1,9} )?",
                                   "( \"Z\" | [+\\-] " + hour + " " + minute_second + " )"}));
  }
  if (format == "date-time") {
    return out_.add_rule("date-time",
                         gbnf_seq({format_gbnf("date"), "\"T\"", format_gbnf("time")}));
  }
  if (format == "uuid") return out_.add_rule("uuid", kUuid);
  if (format == "email") {
    const std::string label = out_.add_rule("label", kLabel);
    return out_.add_rule(
        "email", gbnf_seq({kAtext, "( \".\"", kAtext, ")* \"@\"", label, "( \".\"", label, ")+"}));
  }
  if (format == "uri" || format == "uri-reference") return uri_gbnf(format == "uri-reference");
  MINKE_CHECK(format == "ipv4");
  const std::string octet = out_.add_rule("octet", uint_range_gbnf("0", "255"));
  return out_.add_rule("ipv4", gbnf_seq({octet, "\".\"", octet, "\".\"", octet, "\".\"", octet}));
}

std::string JsonSchemaTranslator::uri_gbnf(bool reference) {
  const auto chars = [](const char* set) {
    return std::string("( ") + set + " | " + kPctEncoded + " )";
  };
  const std::string pchar = out_.add_rule("uri-pchar", chars(kPchar));
  const std::string path = out_.add_rule("uri-path", "( \"/\" " + pchar + "* )*");
  const std::string authority =
      out_.add_rule("uri-authority", "( " + chars(kUserinfoChar) + "* \"@\" )? " +
                                         chars(kHostChar) + "* ( \":\" [0-9]* )?");
  const std::string rest =
      "( \"?\" ( " + pchar + " | [/?] )* )? ( \"#\" ( " + pchar + " | [/?] )* )?";
  // hier-part: "//" authority path-abempty | path-absolute | path-rootless | path-empty.
  const std::string absolute = "\"/\" ( " + pchar + "+ " + path + " )?";
  std::string uri =
      out_.add_rule("uri", "[a-zA-Z] [a-zA-Z0-9+.\\-]* \":\" ( \"//\" " + authority + " " + path +
                               " | " + absolute + " | " + pchar + "+ " + path + " )? " + rest);
  if (!reference) return uri;
  // relative-part: as hier-part, but a first segment without ':' (path-noscheme).
  return out_.add_rule("uri-reference", uri + " | ( \"//\" " + authority + " " + path + " | " +
                                            absolute + " | " + chars(kNoColonChar) + "+ " + path +
                                            " )? " + rest);
}

Expr JsonSchemaTranslator::string_gbnf(const SchemaJson& s, const std::string& path,
                                       const std::string& name) {
  const auto pattern = s.find("pattern"), format = s.find("format");
  const bool has_format = format != s.end() && is_string_format(format->get<std::string>());
  const bool has_length = s.contains("minLength") || s.contains("maxLength");
  if (pattern != s.end() && has_format) {
    schema_error("'pattern' together with 'format' is not supported", path);
  }
  if (has_format && has_length) {
    const auto [shortest, longest] = kStringFormats.at(format->get<std::string>());
    if (count_keyword(s, "minLength", 0, path) > shortest ||
        count_keyword(s, "maxLength", kUnbounded, path) < longest) {
      schema_error("'minLength'/'maxLength' that cut into format '" + format->get<std::string>() +
                       "' are not supported",
                   path);
    }
  }
  std::string content;
  if (pattern != s.end()) {
    if (!pattern->is_string()) schema_error("'pattern' must be a string", path);
    std::optional<std::string> regex = pattern->get<std::string>();
    try {
      if (has_length) {
        bool empty = false;
        regex = pattern_with_length(*regex, count_keyword(s, "minLength", 0, path),
                                    count_keyword(s, "maxLength", kUnbounded, path), &empty);
        if (empty) return std::nullopt;
        if (!regex) {
          schema_error(
              "'minLength'/'maxLength' beside a 'pattern' whose length they cannot be "
              "folded into are not supported",
              path);
        }
      }
      content =
          regex_to_gbnf(*regex, out_, name + "-pattern", {.search = true, .json_string = true});
    } catch (const Error& e) {
      if (std::string_view(e.what()).starts_with("JSON schema:")) throw;
      schema_error(std::string("'pattern' ") + e.what(), path);
    }
  } else if (has_format) {
    content = format_gbnf(format->get<std::string>());
  } else {
    const int min = count_keyword(s, "minLength", 0, path);
    const int max = count_keyword(s, "maxLength", kUnbounded, path);
    if (min == 0 && max == kUnbounded) return any_string();
    if (min > max) return std::nullopt;
    content = gbnf_repeat(json_char(), min, max);
  }
  return out_.add_rule(name, gbnf_seq({kQuote, content, kQuote}));
}

Expr JsonSchemaTranslator::number_gbnf(const SchemaJson& s, bool integer, const std::string& path) {
  const NumberRange range = number_range(s, path);
  int frac_digits = integer ? 0 : kMaxFracDigits;
  if (const auto m = s.find("multipleOf"); m != s.end()) {
    // Multiples of 1, 0.1, 0.01...: numbers with at most that many fraction digits.
    const Decimal step = m->is_number() ? parse_decimal(*m) : Decimal{true, "0", ""};
    if (!is_power_of_ten(step)) {
      schema_error("unsupported keyword 'multipleOf' (only 1, 0.1, 0.01, ... can be expressed)",
                   path);
    }
    frac_digits = std::min(frac_digits, static_cast<int>(step.frac_digits.size()));
  }
  if (!integer && frac_digits == kMaxFracDigits && !range.lower && !range.upper)
    return any_number();
  const Expr e = number_range_gbnf(range, frac_digits, path);
  if (!e) return std::nullopt;
  return out_.add_rule(integer || frac_digits == 0 ? "integer" : "number", *e);
}

}  // namespace minke
