// StopMatcher tests: stop strings across pieces, holding back possible prefixes, flush.
#include "engine/stop_matcher.h"

#include <gtest/gtest.h>

namespace minke {
namespace {

TEST(StopMatcher, FindsStopAcrossPiecesAndHoldsBackPrefixes) {
  StopMatcher m({"</end>", "STOP"});
  auto r = m.push("Hello </e");
  EXPECT_EQ(r.text, "Hello ");
  EXPECT_FALSE(r.stopped);
  r = m.push("nd> more");
  EXPECT_EQ(r.text, "");
  EXPECT_TRUE(r.stopped);
}

TEST(StopMatcher, FalseAlarmIsReleased) {
  StopMatcher m({"STOP"});
  EXPECT_EQ(m.push("ST").text, "");
  EXPECT_EQ(m.push("ART").text, "START");
  EXPECT_EQ(m.push("ST").text, "");
  EXPECT_EQ(m.flush(), "ST");
}

TEST(StopMatcher, EarliestStopWins) {
  StopMatcher m({"cd", "b"});
  const auto r = m.push("abcd");
  EXPECT_EQ(r.text, "a");
  EXPECT_TRUE(r.stopped);
}

TEST(StopMatcher, NoStopsPassesThrough) {
  StopMatcher m({});
  EXPECT_EQ(m.push("abc").text, "abc");
  EXPECT_EQ(m.flush(), "");
}

}  // namespace
}  // namespace minke
