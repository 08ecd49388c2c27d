// GbnfWriter: see gbnf_writer.h.
#include "grammar/gbnf_writer.h"

#include <algorithm>
#include <cstdio>

#include "core/check.h"

namespace minke {

namespace {

std::string clean_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += ok ? c : '-';
  }
  if (out.empty()) out = "rule";
  return out;
}

}  // namespace

std::string GbnfWriter::unique_name(std::string_view name) const {
  const std::string base = clean_name(name);
  if (!has_rule(base)) return base;
  for (int i = 2;; ++i) {
    std::string candidate = base + "-" + std::to_string(i);
    if (!has_rule(candidate)) return candidate;
  }
}

std::string GbnfWriter::add_rule(std::string_view name, std::string_view body) {
  const std::string base = clean_name(name);
  // Reuse an identical rule under this name or one of its numbered variants.
  for (int i = 1;; ++i) {
    const std::string candidate = i == 1 ? base : base + "-" + std::to_string(i);
    const auto it = bodies_.find(candidate);
    if (it == bodies_.end()) break;
    if (it->second == body) return candidate;
  }
  std::string chosen = unique_name(base);
  bodies_[chosen] = std::string(body);
  order_.push_back(chosen);
  return chosen;
}

std::string GbnfWriter::reserve(std::string_view name) {
  std::string chosen = unique_name(name);
  bodies_[chosen] = std::string();
  order_.push_back(chosen);
  return chosen;
}

void GbnfWriter::define(const std::string& name, std::string_view body) {
  const auto it = bodies_.find(name);
  MINKE_CHECK(it != bodies_.end());
  it->second = std::string(body);
}

std::string GbnfWriter::text() const {
  std::string out;
  for (const std::string& name : order_) {
    out += name;
    out += " ::= ";
    out += bodies_.at(name);
    out += '\n';
  }
  return out;
}

std::string gbnf_literal(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02X", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string gbnf_class_char(uint32_t cp) {
  char buf[16];
  if (cp == ']' || cp == '[' || cp == '^' || cp == '-' || cp == '\\') {
    return std::string("\\") + static_cast<char>(cp);
  }
  if (cp >= 0x20 && cp < 0x7f) return std::string(1, static_cast<char>(cp));
  if (cp < 0x100) {
    std::snprintf(buf, sizeof buf, "\\x%02X", cp);
  } else if (cp < 0x10000) {
    std::snprintf(buf, sizeof buf, "\\u%04X", cp);
  } else {
    std::snprintf(buf, sizeof buf, "\\U%08X", cp);
  }
  return buf;
}

namespace {

// Code points of a UTF-8 string (the marker is valid UTF-8: it comes from a template or vocab).
std::vector<uint32_t> code_points_of(std::string_view text) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    uint32_t cp = len == 1 ? c : c & (0x3F >> (len - 1));
    for (int k = 1; k < len && i + static_cast<size_t>(k) < text.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + static_cast<size_t>(k)]) & 0x3F);
    }
    out.push_back(cp);
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string literal_of(uint32_t cp) {
  std::vector<uint8_t> bytes;
  if (cp < 0x80) {
    bytes = {static_cast<uint8_t>(cp)};
  } else if (cp < 0x800) {
    bytes = {static_cast<uint8_t>(0xC0 | (cp >> 6)), static_cast<uint8_t>(0x80 | (cp & 0x3F))};
  } else if (cp < 0x10000) {
    bytes = {static_cast<uint8_t>(0xE0 | (cp >> 12)),
             static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)),
             static_cast<uint8_t>(0x80 | (cp & 0x3F))};
  } else {
    bytes = {
        static_cast<uint8_t>(0xF0 | (cp >> 18)), static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F)),
        static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)), static_cast<uint8_t>(0x80 | (cp & 0x3F))};
  }
  return gbnf_literal(std::string(bytes.begin(), bytes.end()));
}

}  // namespace

namespace {

bool is_rule_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Copies text[i] up to and including the unescaped `close`, returning the index after it.
size_t copy_delimited(std::string_view text, size_t i, char close, std::string& out) {
  out += text[i++];
  while (i < text.size() && text[i] != close) {
    if (text[i] == '\\' && i + 1 < text.size()) out += text[i++];
    out += text[i++];
  }
  if (i < text.size()) out += text[i++];
  return i;
}

// A rule body with every rule name prefixed (literals, classes and {m,n} counts untouched).
std::string prefix_names(std::string_view body, const std::string& prefix) {
  std::string out;
  for (size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (c == '"') {
      i = copy_delimited(body, i, '"', out);
    } else if (c == '[') {
      i = copy_delimited(body, i, ']', out);
    } else if (c == '{') {
      i = copy_delimited(body, i, '}', out);
    } else if (is_rule_name_char(c)) {
      const size_t start = i;
      while (i < body.size() && is_rule_name_char(body[i])) ++i;
      out += prefix;
      out += body.substr(start, i - start);
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string embed_gbnf(GbnfWriter& out, std::string_view gbnf, std::string_view prefix,
                       std::string_view root) {
  // A prefix no rule of `out` starts with keeps the embedded names apart from its own.
  const std::string base = clean_name(prefix);
  std::string p = base + "-";
  for (int n = 2; out.has_rule(p + std::string(root)); ++n) {
    p = base + "-" + std::to_string(n) + "-";
  }
  for (size_t start = 0; start < gbnf.size();) {
    size_t end = gbnf.find('\n', start);
    if (end == std::string_view::npos) end = gbnf.size();
    const std::string_view line = gbnf.substr(start, end - start);
    start = end + 1;
    const size_t sep = line.find(" ::= ");
    if (sep == std::string_view::npos) continue;
    const std::string name = p + std::string(line.substr(0, sep));
    const std::string used = out.add_rule(name, prefix_names(line.substr(sep + 5), p));
    MINKE_CHECK(used == name);
  }
  return p + std::string(root);
}

std::string add_text_without(GbnfWriter& out, std::string_view name, std::string_view marker) {
  const std::vector<uint32_t> m = code_points_of(marker);
  const size_t n = m.size();
  MINKE_CHECK(n > 0);
  // failure[i]: the longest proper prefix of m[0..i) that is also its suffix.
  std::vector<size_t> failure(n + 1, 0);
  for (size_t i = 1, k = 0; i < n; ++i) {
    while (k > 0 && m[i] != m[k]) k = failure[k];
    if (m[i] == m[k]) ++k;
    failure[i + 1] = k;
  }
  auto next_state = [&](size_t state, uint32_t cp) {
    while (state > 0 && m[state] != cp) state = failure[state];
    return m[state] == cp ? state + 1 : 0;
  };
  std::vector<uint32_t> distinct = m;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::string others = "[^";
  for (const uint32_t cp : distinct) others += gbnf_class_char(cp);
  others += "]";
  std::vector<std::string> names(n);
  for (size_t s = 0; s < n; ++s)
    names[s] = out.reserve(std::string(name) + "-" + std::to_string(s));
  for (size_t s = 0; s < n; ++s) {
    std::string body = others + " " + names[0];
    for (const uint32_t cp : distinct) {
      const size_t to = next_state(s, cp);
      if (to == n) continue;  // would complete the marker
      body += " | " + literal_of(cp) + " " + names[to];
    }
    body += " | \"\"";
    out.define(names[s], body);
  }
  return names[0];
}

}  // namespace minke
