// RecurrentStates through KvCache: a sequence gets a zeroed state with its first reserve, gives
// it back on remove, runs out of slots with a user-facing error that changes nothing, and can be
// cut back only to where the state is or where save_state kept it; a prefix is shared only as
// far as a state snapshot at a block boundary reaches.
#include "kv/recurrent_state.h"

#include <gtest/gtest.h>

#include <span>
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

TEST(RecurrentState, WithoutSnapshotsACacheFindsNoPrefix) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(2));
  const std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  kv.reserve(0, 9);
  kv.state(0)->n_tokens = 8;
  kv.commit(0, tokens, 8);
  kv.remove(0);
  const int32_t free_blocks = kv.n_free_blocks();
  EXPECT_EQ(kv.match_prefix(1, tokens, 8), 0);
  EXPECT_TRUE(kv.block_table(1).empty());
  EXPECT_EQ(kv.n_free_blocks(), free_blocks);
}

// The state after tokens [0, n): what commit snapshots once the model has consumed them.
void consume(KvCache& kv, int32_t seq, std::span<const int32_t> tokens, int32_t n, float v) {
  fill(kv.state(seq), v, n);
  kv.commit(seq, tokens, n);
}

TEST(RecurrentState, APrefixResumesFromTheDeepestSnapshot) {
  auto be = make_cpu_backend({});
  KvCacheOptions o = options(2);
  o.n_state_snapshots = 4;
  KvCache kv(*be, o);
  const std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
  kv.reserve(0, 13);
  consume(kv, 0, tokens, 4, 1.0f);  // a boundary: snapshot
  consume(kv, 0, tokens, 6, 6.0f);  // inside a block: none
  consume(kv, 0, tokens, 8, 2.0f);  // a boundary: snapshot
  kv.state(0)->n_tokens = 11;       // the state ran ahead of what is committed: none at 12
  kv.commit(0, tokens, 12);
  kv.remove(0);
  const int32_t free_blocks = kv.n_free_blocks();
  // Three whole blocks are cached, but the state is known after two of them only.
  EXPECT_EQ(kv.match_prefix(1, tokens, 12), 8);
  EXPECT_EQ(kv.block_table(1).size(), 2u);
  ASSERT_NE(kv.state(1), nullptr);
  EXPECT_EQ(kv.state(1)->n_tokens, 8);
  EXPECT_EQ(kv.state(1)->data[0], 2.0f);
  EXPECT_EQ(kv.n_free_blocks(), free_blocks - 2);  // the third block went back to the cache
  // A prompt that leaves the shared prefix after the first block resumes from the first snapshot.
  std::vector<int32_t> other = tokens;
  other[5] = 99;
  EXPECT_EQ(kv.match_prefix(2, other, 12), 4);
  EXPECT_EQ(kv.state(2)->data[0], 1.0f);
  EXPECT_EQ(kv.prefix_hit_tokens(), 12);
}

TEST(RecurrentState, ASequenceKeepsOneDecodeSnapshotAndTheLeastRecentlyUsedGoes) {
  auto be = make_cpu_backend({});
  KvCacheOptions o = options(2);
  o.n_state_snapshots = 2;
  KvCache kv(*be, o);
  std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6, 7};
  kv.reserve(0, 16);
  consume(kv, 0, tokens, 4, 1.0f);  // prefill (7 tokens known): a prompt snapshot
  // Decoding (every token computed when committed): each boundary replaces the last one.
  tokens.insert(tokens.end(), {8});
  consume(kv, 0, tokens, 8, 2.0f);
  tokens.insert(tokens.end(), {9, 10, 11, 12});
  consume(kv, 0, tokens, 12, 3.0f);
  kv.remove(0);
  EXPECT_EQ(kv.match_prefix(1, tokens, 12), 12);
  EXPECT_EQ(kv.state(1)->data[0], 3.0f);
  kv.remove(1);
  std::vector<int32_t> at8(tokens.begin(), tokens.begin() + 9);
  at8[8] = 77;  // shares 8 tokens: the decode snapshot at 8 was replaced, the prompt's at 4 stays
  EXPECT_EQ(kv.match_prefix(2, at8, 8), 4);
  EXPECT_EQ(kv.state(2)->data[0], 1.0f);
  kv.remove(2);
  // A third sequence's two prompt snapshots push out the least recently used ones.
  const std::vector<int32_t> fresh = {21, 22, 23, 24, 25, 26, 27, 28, 29};
  kv.reserve(3, 9);
  consume(kv, 3, fresh, 4, 5.0f);
  consume(kv, 3, fresh, 8, 6.0f);
  kv.remove(3);
  EXPECT_EQ(kv.match_prefix(4, tokens, 12), 0);
  EXPECT_EQ(kv.match_prefix(5, fresh, 8), 8);
  EXPECT_EQ(kv.state(5)->data[0], 6.0f);
}

}  // namespace
}  // namespace minke
