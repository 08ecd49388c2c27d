// Lookup of code point classes: a flat table for the BMP (built once), binary search above it.
#include "tokenizer/unicode_class.h"

#include <algorithm>
#include <array>

namespace minke {
namespace {

CharClass search_runs(uint32_t cpt) {
  const UnicodeClassRun* end = kUnicodeClassRuns + kUnicodeClassRunCount;
  const UnicodeClassRun* it =
      std::upper_bound(kUnicodeClassRuns, end, cpt,
                       [](uint32_t c, const UnicodeClassRun& r) { return c < r.start; });
  return static_cast<CharClass>((it - 1)->cls);
}

const std::array<CharClass, 0x10000>& bmp_table() {
  static const auto* table = [] {
    auto* t = new std::array<CharClass, 0x10000>();
    for (size_t i = 0; i < kUnicodeClassRunCount; ++i) {
      const uint32_t begin = kUnicodeClassRuns[i].start;
      if (begin >= 0x10000) break;
      const uint32_t end = i + 1 < kUnicodeClassRunCount
                               ? std::min<uint32_t>(kUnicodeClassRuns[i + 1].start, 0x10000)
                               : 0x10000;
      std::fill(t->begin() + begin, t->begin() + end,
                static_cast<CharClass>(kUnicodeClassRuns[i].cls));
    }
    return t;
  }();
  return *table;
}

}  // namespace

CharClass unicode_class(uint32_t cpt) {
  if (cpt < 0x10000) return bmp_table()[cpt];
  if (cpt > 0x10FFFF) return CharClass::kOther;
  return search_runs(cpt);
}

}  // namespace minke
