// UTF-8 byte-range sequences for a set of code points: turns a character class over code points
// into alternatives of byte ranges (e.g. U+0080..U+07FF -> [C2-DF][80-BF]), so the grammar can
// run on bytes. Surrogates (U+D800..U+DFFF) are never encoded.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace minke {

struct CodePointRange {
  uint32_t lo, hi;  // inclusive
};

// One alternative: byte i must lie in ranges[i].
using ByteRangeSeq = std::vector<std::pair<uint8_t, uint8_t>>;

inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;

// Sorts and merges the ranges, drops surrogates and anything past U+10FFFF; with `negate`, the
// complement over all code points.
std::vector<CodePointRange> normalize_code_points(std::vector<CodePointRange> ranges, bool negate);

// Disjoint byte-range sequences matching exactly the UTF-8 encodings of the (normalized) ranges.
std::vector<ByteRangeSeq> utf8_sequences(const std::vector<CodePointRange>& ranges);

// Appends the UTF-8 encoding of a code point (<= U+10FFFF).
void append_utf8(uint32_t cp, std::vector<uint8_t>& out);

}  // namespace minke
