// terminal_safe / is_clean_text: see include/minke/terminal_text.h. UTF-8 validity follows
// RFC 3629 (no overlong forms, no surrogates, nothing past U+10FFFF).
#include "minke/terminal_text.h"

#include <cstdint>

namespace minke {
namespace {

// Length of the valid UTF-8 sequence at s[i] and its code point, or 0.
size_t utf8_at(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

bool is_control(uint32_t cp) { return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f); }

}  // namespace

std::string terminal_safe(std::string_view text, TerminalSafeOptions options) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (options.max_bytes > 0) text = text.substr(0, options.max_bytes);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_at(text, i, cp);
    const bool kept_space = options.keep_newlines && (cp == '\n' || cp == '\t');
    if (n > 0 && (!is_control(cp) || kept_space)) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    // One escape per byte of the sequence (a C1 character is two bytes in UTF-8).
    const size_t bytes = n > 0 ? n : 1;
    for (size_t k = 0; k < bytes; ++k) {
      const auto u = static_cast<unsigned char>(text[i + k]);
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
    i += bytes;
  }
  return out;
}

bool is_clean_text(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_at(text, i, cp);
    if (n == 0 || is_control(cp)) return false;
    i += n;
  }
  return true;
}

}  // namespace minke
