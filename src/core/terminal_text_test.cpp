// terminal_safe: escape sequences, C1 controls, DEL and broken UTF-8 come out as visible
// escapes; ordinary text of any script passes unchanged.
#include "minke/terminal_text.h"

#include <gtest/gtest.h>

namespace minke {
namespace {

TEST(TerminalSafe, KeepsTextOfAnyScript) {
  EXPECT_EQ(terminal_safe("SmolLM2 135M — Qwen 中文 🐋"), "SmolLM2 135M — Qwen 中文 🐋");
  EXPECT_TRUE(is_clean_text("SmolLM2 135M — Qwen 中文 🐋"));
}

TEST(TerminalSafe, EscapesEverythingATerminalWouldObey) {
  EXPECT_EQ(terminal_safe("a\x1b]0;pwned\x07z"), "a\\x1b]0;pwned\\x07z");
  EXPECT_EQ(terminal_safe("\xc2\x9b"
                          "31m"),
            "\\xc2\\x9b31m");  // C1 CSI as UTF-8
  EXPECT_EQ(terminal_safe("x\x9b"
                          "y"),
            "x\\x9by");  // a lone 8-bit CSI byte
  EXPECT_EQ(terminal_safe("del\x7f"), "del\\x7f");
  EXPECT_EQ(terminal_safe("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");  // overlong
  EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(terminal_safe("\xf0\x9f\x90"), "\\xf0\\x9f\\x90");  // cut short
  EXPECT_EQ(terminal_safe("a\nb\tc\r"), "a\\x0ab\\x09c\\x0d");
  EXPECT_EQ(terminal_safe("a\nb\tc\r", {.keep_newlines = true}), "a\nb\tc\\x0d");
  EXPECT_EQ(terminal_safe("abcdef", {.max_bytes = 3}), "abc");
  EXPECT_FALSE(is_clean_text("key\x1b"));
  EXPECT_FALSE(is_clean_text("k\xff"));
}

}  // namespace
}  // namespace minke
