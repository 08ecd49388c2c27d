// Tests for the tokenizer's UTF-8 helpers (lenient llama.cpp-style decoding, strict checks).
#include "tokenizer/utf8.h"

#include <gtest/gtest.h>

namespace minke::utf8 {
namespace {

TEST(Utf8, LeadLengthByHighNibble) {
  EXPECT_EQ(lead_length('a'), 1u);
  EXPECT_EQ(lead_length(0x80), 1u);  // stray continuation byte
  EXPECT_EQ(lead_length(0xC3), 2u);
  EXPECT_EQ(lead_length(0xE4), 3u);
  EXPECT_EQ(lead_length(0xF0), 4u);
  EXPECT_EQ(lead_length(0xFF), 4u);
}

TEST(Utf8, LenientDecodeReplacesEachBadByte) {
  EXPECT_EQ(decode_lenient("a\xC3\xA9"), (std::vector<uint32_t>{'a', 0xE9}));
  EXPECT_EQ(decode_lenient("\x80\xFF"), (std::vector<uint32_t>{kReplacement, kReplacement}));
  // Truncated 3-byte sequence: each byte on its own.
  EXPECT_EQ(decode_lenient("\xE4\xBD"), (std::vector<uint32_t>{kReplacement, kReplacement}));
  // Overlong forms and surrogates decode (as in llama.cpp).
  EXPECT_EQ(decode_lenient("\xC0\xAF"), (std::vector<uint32_t>{0x2F}));
  EXPECT_EQ(decode_lenient("\xED\xA0\x80"), (std::vector<uint32_t>{0xD800}));
  // Above U+10FFFF becomes U+FFFD.
  EXPECT_EQ(decode_lenient("\xF4\x90\x80\x80"), (std::vector<uint32_t>{kReplacement}));
}

TEST(Utf8, EncodeRoundTrips) {
  for (uint32_t cpt : {0x41u, 0xE9u, 0x4E2Du, 0x1F600u}) {
    EXPECT_EQ(decode_lenient(encode(cpt)), std::vector<uint32_t>{cpt});
  }
  EXPECT_EQ(encode(0x1F600), "\xF0\x9F\x98\x80");
}

TEST(Utf8, StrictSequence) {
  EXPECT_EQ(strict_sequence("a"), 1);
  EXPECT_EQ(strict_sequence("\xE4\xBD\xA0"), 3);
  EXPECT_EQ(strict_sequence("\xE4\xBD"), 0);  // incomplete
  EXPECT_EQ(strict_sequence("\xF0\x9F"), 0);
  EXPECT_EQ(strict_sequence("\x80"), -1);
  EXPECT_EQ(strict_sequence("\xC0\xAF"), -1);          // overlong
  EXPECT_EQ(strict_sequence("\xED\xA0\x80"), -1);      // surrogate
  EXPECT_EQ(strict_sequence("\xF4\x90\x80\x80"), -1);  // above U+10FFFF
  EXPECT_EQ(strict_sequence("\xE4("), -1);
  EXPECT_TRUE(is_valid("héllo 你好 😀"));
  EXPECT_FALSE(is_valid("abc\xFF"));
}

}  // namespace
}  // namespace minke::utf8
