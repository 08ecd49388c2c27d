// RegexSplitter: one pre-tokenizer regex compiled with PCRE2 (JIT), matched the way llama.cpp
// matches it. Regexes with \p{..} classes run over a "collapsed" text (one byte per code point:
// ASCII kept, other code points replaced by a byte standing for their class), so a class like
// \p{L} means exactly llama.cpp's notion of it, ASCII members included.
// Regexes without classes run over UTF-8 with non-ASCII whitespace replaced by U+000B.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minke {

// The text as the splitters see it, built once per split() call.
struct SplitText {
  std::span<const uint32_t> cpts;
  std::string collapsed;            // one byte per code point
  std::string wide;                 // UTF-8 for class-free regexes
  std::vector<size_t> wide_offset;  // byte offset in `wide` of each code point (+ end)
};

class RegexSplitter {
 public:
  explicit RegexSplitter(std::string_view pattern);
  ~RegexSplitter();
  RegexSplitter(const RegexSplitter&) = delete;
  RegexSplitter& operator=(const RegexSplitter&) = delete;

  bool collapsed() const { return collapsed_; }
  // Splits each piece (lengths in code points) further; returns the new piece lengths.
  std::vector<size_t> split(const SplitText& text, const std::vector<size_t>& pieces) const;

  // The collapsed form of a pattern (exposed for tests).
  static std::string collapse_pattern(std::string_view pattern);

 private:
  bool collapsed_ = false;
  void* code_ = nullptr;  // pcre2_code_8*
};

// Collapsed byte for a code point (see above).
char collapse_cpt(uint32_t cpt);
void build_split_text(std::span<const uint32_t> cpts, bool need_collapsed, bool need_wide,
                      SplitText* out);

}  // namespace minke
