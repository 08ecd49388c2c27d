// GbnfWriter: see gbnf_writer.h.
#include "grammar/gbnf_writer.h"

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

}  // namespace minke
