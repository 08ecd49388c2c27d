// Character classes of Unicode code points as the pre-tokenizer regexes see them: \s, \p{N},
// \p{L}, \p{P}, \p{M}, \p{S}, or none of those. Data: unicode_class_data.cpp (generated).
#pragma once

#include <cstddef>
#include <cstdint>

namespace minke {

enum class CharClass : uint8_t {
  kOther = 0,
  kWhitespace = 1,  // White_Space property (wins over the general category)
  kNumber = 2,      // N*
  kLetter = 3,      // L*
  kPunct = 4,       // P*
  kMark = 5,        // M*
  kSymbol = 6,      // S*
};

struct UnicodeClassRun {
  uint32_t start;
  uint8_t cls;
};
extern const UnicodeClassRun kUnicodeClassRuns[];
extern const size_t kUnicodeClassRunCount;
extern const char* const kUnicodeClassVersion;

// Class of a code point; values above U+10FFFF are kOther.
CharClass unicode_class(uint32_t cpt);

}  // namespace minke
