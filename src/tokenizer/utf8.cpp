// UTF-8 decoding and encoding used by the tokenizer (lenient, llama.cpp-compatible) and by the
// streaming detokenizer (strict).
#include "tokenizer/utf8.h"

namespace minke::utf8 {

size_t lead_length(uint8_t lead) {
  static constexpr uint8_t kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[lead >> 4];
}

namespace {
bool is_cont(std::string_view text, size_t i) {
  return i < text.size() && (static_cast<uint8_t>(text[i]) & 0xC0) == 0x80;
}
uint32_t byte(std::string_view text, size_t i) { return static_cast<uint8_t>(text[i]); }
}  // namespace

bool decode_one(std::string_view text, size_t* offset, uint32_t* cpt) {
  const size_t i = *offset;
  const uint32_t b0 = byte(text, i);
  if (!(b0 & 0x80)) {
    *cpt = b0;
    *offset += 1;
    return true;
  }
  if (!(b0 & 0x40)) return false;  // continuation byte without a lead
  if (!(b0 & 0x20)) {
    if (!is_cont(text, i + 1)) return false;
    *cpt = ((b0 & 0x1F) << 6) | (byte(text, i + 1) & 0x3F);
    *offset += 2;
    return true;
  }
  if (!(b0 & 0x10)) {
    if (!is_cont(text, i + 1) || !is_cont(text, i + 2)) return false;
    *cpt = ((b0 & 0x0F) << 12) | ((byte(text, i + 1) & 0x3F) << 6) | (byte(text, i + 2) & 0x3F);
    *offset += 3;
    return true;
  }
  if (!(b0 & 0x08)) {
    if (!is_cont(text, i + 1) || !is_cont(text, i + 2) || !is_cont(text, i + 3)) return false;
    *cpt = ((b0 & 0x07) << 18) | ((byte(text, i + 1) & 0x3F) << 12) |
           ((byte(text, i + 2) & 0x3F) << 6) | (byte(text, i + 3) & 0x3F);
    *offset += 4;
    return true;
  }
  return false;
}

std::vector<uint32_t> decode_lenient(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) {
    uint32_t cpt = 0;
    if (decode_one(text, &offset, &cpt)) {
      // llama.cpp cannot re-encode these and aborts; we substitute instead.
      out.push_back(cpt > 0x10FFFF ? kReplacement : cpt);
    } else {
      out.push_back(kReplacement);
      ++offset;
    }
  }
  return out;
}

void append(uint32_t cpt, std::string* out) {
  if (cpt < 0x80) {
    out->push_back(static_cast<char>(cpt));
  } else if (cpt < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cpt >> 6)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else if (cpt < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cpt >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | ((cpt >> 18) & 0x07)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  }
}

std::string encode(uint32_t cpt) {
  std::string s;
  append(cpt, &s);
  return s;
}

int strict_sequence(std::string_view text) {
  if (text.empty()) return 0;
  const uint32_t b0 = byte(text, 0);
  if (b0 < 0x80) return 1;
  int len = 0;
  uint32_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // at most U+10FFFF
  } else {
    return -1;
  }
  for (int i = 1; i < len; ++i) {
    if (static_cast<size_t>(i) >= text.size()) return 0;
    const uint32_t b = byte(text, i);
    if (i == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return -1;
  }
  return len;
}

bool is_valid(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const int n = strict_sequence(text.substr(i));
    if (n <= 0) return false;
    i += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace minke::utf8
