// UTF-8 helpers for the tokenizer. Decoding is deliberately lenient in the same way as
// llama.cpp (the reference tokenizer): overlong forms and surrogates decode, and each byte that
// does not start a decodable sequence becomes U+FFFD on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace minke::utf8 {

inline constexpr uint32_t kReplacement = 0xFFFD;

// Sequence length announced by a lead byte, judged by its high nibble only (continuation bytes
// count as 1, F8..FF as 4). Used to cut text into symbols before BPE merging.
size_t lead_length(uint8_t lead);

// Decodes one code point at text[*offset] and advances *offset; returns false (and leaves
// *offset) when the bytes there do not form a sequence in the lenient sense above.
bool decode_one(std::string_view text, size_t* offset, uint32_t* cpt);

// Whole-text lenient decode; invalid bytes become U+FFFD, one per byte. Code points above
// U+10FFFF (F5..F7 lead bytes) also become U+FFFD.
std::vector<uint32_t> decode_lenient(std::string_view text);

// Appends the UTF-8 form of cpt (no validity checks beyond the 4-byte limit).
void append(uint32_t cpt, std::string* out);
std::string encode(uint32_t cpt);

// Strict validation (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
// Returns the length of a complete valid sequence starting at text[0], 0 when text[0..] is a
// valid but incomplete prefix of a sequence, or -1 when it can never become valid.
int strict_sequence(std::string_view text);

bool is_valid(std::string_view text);

}  // namespace minke::utf8
