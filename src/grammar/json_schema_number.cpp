// Numeric ranges for the JSON Schema translator: minimum/maximum/exclusive* (and integer formats
// such as int32) become exact digit grammars over decimal text, e.g. 10..255 is
// "1" [0-9] [0-9]? ... split by digit position, and 0.25 < x < 1 constrains the fraction digits.
#include <algorithm>
#include <map>
#include <string>

#include "grammar/json_schema_internal.h"

namespace minke {

namespace {

// Numbers are split into sign, integer part and fraction digits; the grammar is built for the
// magnitude and the sign put in front.
struct Magnitude {
  std::string int_digits;
  std::string frac_digits;
  bool exclusive = false;
};

std::string digit_lit(char d) { return std::string("\"") + d + "\""; }
std::string literal_digits(const std::string& s) { return "\"" + s + "\""; }

std::string group(const std::vector<std::string>& alts) {
  if (alts.size() == 1) return alts[0];
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : " ") + alts[i];
  return out + " )";
}

// [0-9]{m,n} in its shortest spelling ("" for none).
std::string any_digits(int m, int n) {
  if (n == 0) return "";
  if (m == n) return m == 1 ? "[0-9]" : "[0-9]{" + std::to_string(m) + "}";
  if (m == 0 && n == 1) return "[0-9]?";
  return "[0-9]{" + std::to_string(m) + "," + std::to_string(n) + "}";
}

std::string digit_class(int lo, int hi) {
  if (lo == hi) return digit_lit(static_cast<char>('0' + lo));
  return std::string("[") + static_cast<char>('0' + lo) + "-" + static_cast<char>('0' + hi) + "]";
}

bool all_of_digit(const std::string& s, char d) {
  return std::all_of(s.begin(), s.end(), [d](char c) { return c == d; });
}

std::string rest(const std::string& s) { return s.empty() ? "" : s.substr(1); }

// Compares canonical non-negative integers.
int compare_uint(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : a == b ? 0 : 1;
}

std::string increment(std::string s) {
  int i = static_cast<int>(s.size()) - 1;
  while (i >= 0 && s[i] == '9') s[i--] = '0';
  if (i < 0) return "1" + s;
  ++s[i];
  return s;
}

std::string decrement(std::string s) {  // s >= 1
  int i = static_cast<int>(s.size()) - 1;
  while (s[i] == '0') s[i--] = '9';
  --s[i];
  if (s.size() > 1 && s[0] == '0') s.erase(0, 1);
  return s;
}

// Digit strings of one length between lo and hi (same length, lo <= hi), by first digit: the
// alternatives start with different digits, so the matcher never has to guess.
std::string same_length_range(const std::string& lo, const std::string& hi) {
  if (lo.empty()) return "";
  if (lo == hi) return literal_digits(lo);
  const std::string lt = rest(lo), ht = rest(hi);
  if (lo[0] == hi[0]) return gbnf_seq({digit_lit(lo[0]), same_length_range(lt, ht)});
  const int r = static_cast<int>(lt.size());
  const bool lo_min = all_of_digit(lt, '0'), hi_max = all_of_digit(ht, '9');
  const int first = lo[0] - '0' + (lo_min ? 0 : 1), last = hi[0] - '0' - (hi_max ? 0 : 1);
  std::vector<std::string> alts;
  if (!lo_min)
    alts.push_back(gbnf_seq({digit_lit(lo[0]), same_length_range(lt, std::string(r, '9'))}));
  if (first <= last) alts.push_back(gbnf_seq({digit_class(first, last), any_digits(r, r)}));
  if (!hi_max)
    alts.push_back(gbnf_seq({digit_lit(hi[0]), same_length_range(std::string(r, '0'), ht)}));
  return group(alts);
}

// Fraction digit strings s (length 0..k) whose value 0.s lies within the active bounds (digit
// strings without trailing zeros). `empty` is whether s = "" (no fraction) qualifies;
// `nonempty` the expression for the others ("" for none).
struct FracSet {
  bool empty = false;
  std::string nonempty;
};

struct FracBound {
  bool on = false;
  std::string digits;
  bool inclusive = true;
};

FracSet frac_set(const FracBound& lo, const FracBound& hi, int k) {
  FracSet r;
  r.empty = (!lo.on || (lo.digits.empty() && lo.inclusive)) &&
            (!hi.on || !hi.digits.empty() || hi.inclusive);
  if (k == 0) return r;
  if (!lo.on && !hi.on) {
    r.nonempty = any_digits(1, k);
    return r;
  }
  const int lo0 = lo.on && !lo.digits.empty() ? lo.digits[0] - '0' : 0;
  const int hi0 = !hi.on ? 9 : hi.digits.empty() ? 0 : hi.digits[0] - '0';
  std::vector<std::string> alts;
  int free_first = -1, free_last = -1;
  for (int d = lo.on ? lo0 : 0; d <= hi0; ++d) {
    const bool lo_sub = lo.on && d == lo0, hi_sub = hi.on && d == hi0;
    if (!lo_sub && !hi_sub) {
      if (free_first < 0) free_first = d;
      free_last = d;
      continue;
    }
    const FracBound sub_lo{lo_sub, lo_sub ? rest(lo.digits) : "", lo.inclusive};
    const FracBound sub_hi{hi_sub, hi_sub ? rest(hi.digits) : "", hi.inclusive};
    const FracSet sub = frac_set(sub_lo, sub_hi, k - 1);
    const std::string digit = digit_lit(static_cast<char>('0' + d));
    if (sub.nonempty.empty()) {
      if (sub.empty) alts.push_back(digit);
    } else {
      alts.push_back(gbnf_seq({digit, "(" + sub.nonempty + ")" + (sub.empty ? "?" : "")}));
    }
  }
  if (free_first >= 0) {
    alts.push_back(gbnf_seq({digit_class(free_first, free_last), any_digits(0, k - 1)}));
  }
  if (!alts.empty()) r.nonempty = group(alts);
  return r;
}

// The optional ". digits" part for a fraction set (nullopt: none qualifies).
Expr frac_part(const FracSet& f) {
  if (f.nonempty.empty()) return f.empty ? Expr("") : std::nullopt;
  const std::string dotted = "\".\" " + f.nonempty;
  return f.empty ? "( " + dotted + " )?" : dotted;
}

// Magnitudes between lo and hi (nullopt hi: up to the largest generated number).
Expr magnitude_gbnf(const Magnitude& lo, const std::optional<Magnitude>& hi, int k) {
  const std::string max_int(kMaxIntDigits, '9');
  const std::string a = lo.int_digits, b = hi ? hi->int_digits : max_int;
  const FracBound lo_frac{true, lo.frac_digits, !lo.exclusive};
  const FracBound hi_frac{hi.has_value(), hi ? hi->frac_digits : "", hi ? !hi->exclusive : true};
  const int c = compare_uint(a, b);
  if (c > 0) return std::nullopt;
  if (c == 0) {
    const Expr frac = frac_part(frac_set(lo_frac, hi_frac, k));
    if (!frac) return std::nullopt;
    return gbnf_seq({literal_digits(a), *frac});
  }
  // n == a (n == b) merges into the middle range when every fraction qualifies there.
  const FracSet all = frac_set({}, {}, k), from_a = frac_set(lo_frac, {}, k);
  const FracSet to_b = frac_set({}, hi_frac, k);
  const std::string any_frac = *frac_part(all);
  const bool a_whole = from_a.empty == all.empty && from_a.nonempty == all.nonempty;
  const bool b_whole = to_b.empty == all.empty && to_b.nonempty == all.nonempty;
  const std::string mid_lo = a_whole ? a : increment(a), mid_hi = b_whole ? b : decrement(b);
  std::vector<std::string> alts;
  if (!a_whole) {
    if (const Expr f = frac_part(from_a)) {
      alts.push_back(gbnf_seq({literal_digits(a), *f}));
    }
  }
  if (compare_uint(mid_lo, mid_hi) <= 0) {
    alts.push_back(gbnf_seq({uint_range_gbnf(mid_lo, mid_hi), any_frac}));
  }
  if (!b_whole) {
    if (const Expr f = frac_part(to_b)) {
      alts.push_back(gbnf_seq({literal_digits(b), *f}));
    }
  }
  if (alts.empty()) return std::nullopt;
  return group(alts);
}

bool is_zero(const Decimal& d) { return d.int_digits == "0" && d.frac_digits.empty(); }

Magnitude magnitude_of(const NumberBound& b) {
  return {b.value.int_digits, b.value.frac_digits, b.exclusive};
}

SchemaJson number_json(const char* text) { return SchemaJson::parse(text); }

// The range an integer "format" (OpenAPI int32/int64, schemars uint8...) implies.
std::optional<std::pair<const char*, const char*>> format_bounds(const std::string& format) {
  static const std::map<std::string, std::pair<const char*, const char*>> kFormats = {
      {"int8", {"-128", "127"}},
      {"int16", {"-32768", "32767"}},
      {"int32", {"-2147483648", "2147483647"}},
      {"int64", {"-9223372036854775808", "9223372036854775807"}},
      {"uint8", {"0", "255"}},
      {"uint16", {"0", "65535"}},
      {"uint32", {"0", "4294967295"}},
      {"uint64", {"0", "18446744073709551615"}},
      {"uint", {"0", "18446744073709551615"}},
  };
  const auto it = kFormats.find(format);
  if (it == kFormats.end()) return std::nullopt;
  return it->second;
}

// Keeps the tighter of two lower (or upper) bounds.
void tighten(std::optional<NumberBound>& bound, const NumberBound& b, bool lower) {
  if (!bound) {
    bound = b;
    return;
  }
  const int c = compare_decimals(b.value, bound->value);
  if ((lower ? c > 0 : c < 0) || (c == 0 && b.exclusive)) bound = b;
}

}  // namespace

bool is_number_format(const std::string& format) {
  return format_bounds(format).has_value() || format == "float" || format == "double";
}

Decimal parse_decimal(const SchemaJson& number) {
  const std::string text = number.is_number_float()      ? number.dump()
                           : number.is_number_unsigned() ? std::to_string(number.get<uint64_t>())
                                                         : std::to_string(number.get<int64_t>());
  Decimal d;
  size_t i = 0;
  if (text[i] == '-') {
    d.negative = true;
    ++i;
  }
  std::string digits;
  long point = -1, exponent = 0;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    if (text[i] == '.') {
      point = static_cast<long>(digits.size());
    } else {
      digits += text[i];
    }
  }
  if (point < 0) point = static_cast<long>(digits.size());
  if (i < text.size()) exponent = std::stol(text.substr(i + 1));
  point += exponent;  // doubles keep |exponent| below 400
  if (point <= 0) {
    digits.insert(0, static_cast<size_t>(-point) + 1, '0');
    point = 1;
  } else if (point > static_cast<long>(digits.size())) {
    digits.append(static_cast<size_t>(point) - digits.size(), '0');
  }
  d.int_digits = digits.substr(0, static_cast<size_t>(point));
  d.frac_digits = digits.substr(static_cast<size_t>(point));
  d.int_digits.erase(0, std::min(d.int_digits.find_first_not_of('0'), d.int_digits.size() - 1));
  d.frac_digits.erase(d.frac_digits.find_last_not_of('0') + 1);
  if (is_zero(d)) d.negative = false;
  return d;
}

int compare_decimals(const Decimal& a, const Decimal& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int c = compare_uint(a.int_digits, b.int_digits);
  if (c == 0) {
    const size_t n = std::max(a.frac_digits.size(), b.frac_digits.size());
    std::string fa = a.frac_digits, fb = b.frac_digits;
    fa.resize(n, '0');
    fb.resize(n, '0');
    c = fa.compare(fb) < 0 ? -1 : fa == fb ? 0 : 1;
  }
  return a.negative ? -c : c;
}

bool is_power_of_ten(const Decimal& d) {
  if (d.negative) return false;
  if (d.frac_digits.empty()) return d.int_digits == "1";
  return d.int_digits == "0" && d.frac_digits.back() == '1' &&
         d.frac_digits.find_first_not_of('0') == d.frac_digits.size() - 1;
}

std::string decimal_text(const Decimal& d) {
  return (d.negative ? "-" : "") + d.int_digits +
         (d.frac_digits.empty() ? "" : "." + d.frac_digits);
}

NumberRange number_range(const SchemaJson& s, const std::string& path) {
  NumberRange r;
  const auto bound = [&](const char* key, bool lower, bool exclusive) {
    const auto it = s.find(key);
    if (it == s.end()) return;
    if (!it->is_number()) schema_error(std::string("'") + key + "' must be a number", path);
    tighten(lower ? r.lower : r.upper, {parse_decimal(*it), exclusive}, lower);
  };
  bound("minimum", true, false);
  bound("exclusiveMinimum", true, true);
  bound("maximum", false, false);
  bound("exclusiveMaximum", false, true);
  if (const auto it = s.find("format"); it != s.end() && it->is_string()) {
    if (const auto fb = format_bounds(it->get<std::string>())) {
      tighten(r.lower, {parse_decimal(number_json(fb->first)), false}, true);
      tighten(r.upper, {parse_decimal(number_json(fb->second)), false}, false);
    }
  }
  return r;
}

std::string uint_range_gbnf(const std::string& lo, const std::string& hi) {
  if (lo == "0") {
    if (hi == "0") return "\"0\"";
    return group({"\"0\"", uint_range_gbnf("1", hi)});
  }
  const int la = static_cast<int>(lo.size()), lb = static_cast<int>(hi.size());
  if (la == lb) return same_length_range(lo, hi);
  std::vector<std::string> alts;
  int band_lo = la, band_hi = lb;  // lengths where every digit string qualifies
  if (lo != "1" + std::string(la - 1, '0')) {
    alts.push_back(same_length_range(lo, std::string(la, '9')));
    band_lo = la + 1;
  }
  std::string high_alt;
  if (!all_of_digit(hi, '9')) {
    high_alt = same_length_range("1" + std::string(lb - 1, '0'), hi);
    band_hi = lb - 1;
  }
  if (band_lo <= band_hi) alts.push_back(gbnf_seq({"[1-9]", any_digits(band_lo - 1, band_hi - 1)}));
  if (!high_alt.empty()) alts.push_back(high_alt);
  return group(alts);
}

Expr number_range_gbnf(const NumberRange& range, int frac_digits, const std::string& path) {
  std::optional<NumberBound> lower = range.lower, upper = range.upper;
  const auto too_big = [](const NumberBound& b) {
    return static_cast<int>(b.value.int_digits.size()) > kMaxIntDigits;
  };
  // Bounds beyond the 15-digit numbers generated either cut nothing or leave nothing.
  if (lower && too_big(*lower)) {
    if (!lower->value.negative) {
      schema_error("minimum " + decimal_text(lower->value) + " is beyond the " +
                       std::to_string(kMaxIntDigits) + "-digit numbers generated",
                   path);
    }
    lower.reset();
  }
  if (upper && too_big(*upper)) {
    if (upper->value.negative) {
      schema_error("maximum " + decimal_text(upper->value) + " is beyond the " +
                       std::to_string(kMaxIntDigits) + "-digit numbers generated",
                   path);
    }
    upper.reset();
  }
  std::vector<std::string> alts;
  if (!upper || !upper->value.negative) {  // x >= 0
    const Magnitude lo =
        lower && !lower->value.negative ? magnitude_of(*lower) : Magnitude{"0", "", false};
    std::optional<Magnitude> hi;
    if (upper) hi = magnitude_of(*upper);
    if (const Expr e = magnitude_gbnf(lo, hi, frac_digits)) alts.push_back(*e);
  }
  if (!lower || lower->value.negative) {  // x < 0: "-" then the magnitude, never "-0"
    const Magnitude lo =
        upper && upper->value.negative ? magnitude_of(*upper) : Magnitude{"0", "", true};
    std::optional<Magnitude> hi;
    if (lower) hi = magnitude_of(*lower);
    if (const Expr e = magnitude_gbnf(lo, hi, frac_digits)) alts.push_back(gbnf_seq({"\"-\"", *e}));
  }
  if (alts.empty()) return std::nullopt;
  return group(alts);
}

}  // namespace minke
