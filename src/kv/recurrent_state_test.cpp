// RecurrentStates through KvCache: a sequence gets a zeroed state with its first reserve, gives
// it back on remove, runs out of slots with a user-facing error that changes nothing, and can be
// cut back only to where the state is or where save_state kept it; a cache with state finds no
// prefixes.
#include "kv/recurrent_state.h"

#include <gtest/gtest.h>

#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "kv/kv_cache.h"
#include "minke/error.h"

namespace minke {
namespace {

constexpr int64_t kFloats = 6;

KvCacheOptions options(int32_t n_state_seqs) {
  return {.n_layer = 1,
          .layout = {.block_size = 4, .n_head_kv = 1, .head_dim = 8},
          .n_blocks = 16,
          .state_floats = kFloats,
          .n_state_seqs = n_state_seqs};
}

void fill(RecurrentStates::State* s, float v, int32_t n_tokens) {
  for (int64_t i = 0; i < kFloats; ++i) s->data[i] = v;
  s->n_tokens = n_tokens;
}

TEST(RecurrentState, NewSequencesStartZeroedAndGiveTheSlotBack) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(2));
  EXPECT_TRUE(kv.has_state());
  EXPECT_EQ(kv.state_bytes(), 2 * kFloats * 4);
  EXPECT_EQ(kv.state(7), nullptr);
  kv.reserve(7, 3);
  RecurrentStates::State* s = kv.state(7);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->n_tokens, 0);
  fill(s, 5.0f, 3);
  kv.reserve(7, 5);  // the same sequence keeps its state
  EXPECT_EQ(kv.state(7)->data[0], 5.0f);
  kv.remove(7);
  EXPECT_EQ(kv.state(7), nullptr);
  kv.reserve(8, 1);  // the slot comes back zeroed
  for (int64_t i = 0; i < kFloats; ++i) EXPECT_EQ(kv.state(8)->data[i], 0.0f);
  EXPECT_EQ(kv.state(8)->n_tokens, 0);
}

TEST(RecurrentState, AllSlotsTakenIsAnErrorThatChangesNothing) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(2));
  kv.reserve(0, 4);
  kv.reserve(1, 4);
  const int32_t free_blocks = kv.n_free_blocks();
  try {
    kv.reserve(2, 4);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("KV cache full"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("recurrent-state slot"), std::string::npos) << e.what();
  }
  EXPECT_EQ(kv.n_free_blocks(), free_blocks);
  EXPECT_TRUE(kv.block_table(2).empty());
  kv.remove(0);
  kv.reserve(2, 4);  // room again
  EXPECT_NE(kv.state(2), nullptr);
}

TEST(RecurrentState, TruncatesOnlyToTheStateOrItsSnapshot) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(1));
  kv.reserve(0, 8);
  fill(kv.state(0), 1.0f, 8);
  kv.save_state(0);
  kv.reserve(0, 12);
  fill(kv.state(0), 2.0f, 12);
  EXPECT_THROW(kv.truncate(0, 10), Error);  // no snapshot at 10: nothing changes
  EXPECT_EQ(kv.n_tokens(0), 12);
  EXPECT_EQ(kv.state(0)->n_tokens, 12);
  kv.truncate(0, 8);  // the snapshot
  EXPECT_EQ(kv.n_tokens(0), 8);
  EXPECT_EQ(kv.state(0)->n_tokens, 8);
  EXPECT_EQ(kv.state(0)->data[kFloats - 1], 1.0f);
  kv.reserve(0, 12);
  fill(kv.state(0), 3.0f, 12);
  kv.truncate(0, 8);  // the snapshot stays for the next rewind
  EXPECT_EQ(kv.state(0)->data[0], 1.0f);
}

TEST(RecurrentState, CacheWithStateFindsNoPrefix) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(2));
  const std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  kv.reserve(0, 9);
  kv.commit(0, tokens, 9);
  kv.remove(0);
  EXPECT_EQ(kv.match_prefix(1, tokens, 8), 0);
  EXPECT_EQ(kv.n_cached_blocks(), 0);
  EXPECT_TRUE(kv.block_table(1).empty());
}

}  // namespace
}  // namespace minke
