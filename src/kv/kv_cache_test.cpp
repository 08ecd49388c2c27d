// KvCache: block tables grow, shrink and free as sequences reserve, truncate and leave; a full
// pool throws a user-facing error and leaves everything as it was.
#include "kv/kv_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "minke/error.h"

namespace minke {
namespace {

KvCacheOptions options(int32_t n_blocks) {
  return {.n_layer = 2,
          .layout = {.block_size = 4, .n_head_kv = 2, .head_dim = 8},
          .n_blocks = n_blocks};
}

std::vector<int32_t> table(const KvCache& kv, int32_t seq) {
  const auto t = kv.block_table(seq);
  return {t.begin(), t.end()};
}

TEST(KvCache, AllocatesOneStorePerLayer) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(5));
  EXPECT_EQ(kv.n_layer(), 2);
  EXPECT_EQ(kv.n_blocks(), 5);
  EXPECT_EQ(kv.n_free_blocks(), 5);
  EXPECT_NE(kv.layer(0).k, kv.layer(1).k);
  EXPECT_EQ(kv.layer(1).n_blocks, 5);
  EXPECT_EQ(kv.layer(1).layout.head_dim, 8);
  EXPECT_EQ(KvCache::bytes_per_token(2, kv.layout()), 2 * 2 * 2 * 8 * 2);
}

TEST(KvCache, SizesThePoolFromTokens) {
  auto be = make_cpu_backend({});
  KvCacheOptions o = options(0);
  o.n_ctx_total = 9;  // 3 blocks of 4
  EXPECT_EQ(KvCache(*be, o).n_blocks(), 3);
}

TEST(KvCache, ReserveGrowsBlockTables) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(8));
  kv.reserve(0, 5);  // 2 blocks
  kv.reserve(3, 1);  // 1 block
  kv.reserve(0, 8);  // still 2 blocks
  EXPECT_EQ(table(kv, 0), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(table(kv, 3), (std::vector<int32_t>{2}));
  EXPECT_EQ(kv.n_tokens(0), 8);
  EXPECT_EQ(kv.n_tokens(3), 1);
  kv.reserve(0, 3);  // never shrinks
  EXPECT_EQ(kv.n_tokens(0), 8);
  kv.reserve(0, 9);
  EXPECT_EQ(table(kv, 0), (std::vector<int32_t>{0, 1, 3}));
  EXPECT_EQ(kv.n_free_blocks(), 4);
  EXPECT_EQ(kv.slot(0, 0), 0);
  EXPECT_EQ(kv.slot(0, 8), 12);  // block 3, offset 0
  EXPECT_EQ(kv.slot(3, 0), 8);
  EXPECT_TRUE(kv.block_table(7).empty());
  EXPECT_EQ(kv.n_tokens(7), 0);
}

TEST(KvCache, RemoveAndTruncateFreeBlocks) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(8));
  kv.reserve(0, 12);  // blocks 0 1 2
  kv.reserve(1, 4);   // block 3
  kv.truncate(0, 5);  // keeps 2 blocks
  EXPECT_EQ(table(kv, 0), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(kv.n_tokens(0), 5);
  kv.truncate(0, 9);  // longer than reserved: no-op
  EXPECT_EQ(kv.n_tokens(0), 5);
  EXPECT_EQ(kv.n_free_blocks(), 5);
  kv.remove(0);
  kv.remove(0);  // unknown: no-op
  EXPECT_EQ(kv.n_free_blocks(), 7);
  EXPECT_EQ(kv.n_tokens(0), 0);
  kv.reserve(2, 4);
  EXPECT_EQ(table(kv, 2), (std::vector<int32_t>{0}));  // freed blocks are reused, lowest first
  kv.truncate(1, 0);
  EXPECT_TRUE(kv.block_table(1).empty());
  EXPECT_EQ(kv.n_free_blocks(), 7);
}

TEST(KvCache, FullPoolThrowsAndChangesNothing) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(3));
  kv.reserve(0, 6);  // 2 blocks
  kv.reserve(1, 1);  // 1 block
  try {
    kv.reserve(0, 9);
    FAIL() << "expected minke::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("KV cache full"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("-c"), std::string::npos) << e.what();
  }
  EXPECT_EQ(kv.n_tokens(0), 6);
  EXPECT_EQ(table(kv, 0), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(kv.n_free_blocks(), 0);
  EXPECT_THROW(kv.reserve(5, 1), Error);
  EXPECT_EQ(kv.n_tokens(5), 0);
  EXPECT_TRUE(kv.block_table(5).empty());
  kv.remove(1);
  kv.reserve(5, 1);
  EXPECT_EQ(table(kv, 5), (std::vector<int32_t>{2}));
}

}  // namespace
}  // namespace minke

namespace minke {
namespace {

std::vector<int32_t> tokens(int32_t n, int32_t first = 100) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) t[static_cast<size_t>(i)] = first + i;
  return t;
}

TEST(KvCachePrefix, AFinishedSequencesBlocksServeTheNextOneWithTheSamePrefix) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(8));  // blocks of 4 tokens
  const std::vector<int32_t> t = tokens(11);
  kv.reserve(0, 11);
  kv.commit(0, t, 11);  // 2 whole blocks indexed; the third is partial
  const std::vector<int32_t> first = table(kv, 0);
  kv.remove(0);
  EXPECT_EQ(kv.n_free_blocks(), 8);  // cached blocks count as free
  EXPECT_EQ(kv.n_cached_blocks(), 2);
  // Same 9 first tokens then others: both whole blocks match.
  std::vector<int32_t> u = tokens(9);
  u.push_back(7);
  EXPECT_EQ(kv.match_prefix(1, u, 9), 8);
  EXPECT_EQ(table(kv, 1), (std::vector<int32_t>{first[0], first[1]}));
  EXPECT_EQ(kv.n_tokens(1), 8);
  EXPECT_EQ(kv.n_cached_blocks(), 0);
  // Asking for at most 7 tokens matches one block only; another first token matches nothing.
  EXPECT_EQ(kv.match_prefix(2, u, 7), 4);
  EXPECT_EQ(kv.match_prefix(3, tokens(9, 5), 8), 0);
  EXPECT_TRUE(table(kv, 3).empty());
  EXPECT_EQ(kv.prefix_hit_tokens(), 12);
}

TEST(KvCachePrefix, SharedBlocksFreeOnlyWithTheirLastOwner) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(6));
  const std::vector<int32_t> t = tokens(8);
  kv.reserve(0, 8);
  kv.commit(0, t, 8);
  EXPECT_EQ(kv.match_prefix(1, t, 8), 8);  // shares both blocks while 0 still runs
  kv.reserve(1, 10);                       // its own third block
  EXPECT_EQ(kv.n_free_blocks(), 6 - 3);
  kv.remove(0);
  EXPECT_EQ(kv.n_free_blocks(), 3);  // still owned by 1
  kv.remove(1);
  EXPECT_EQ(kv.n_free_blocks(), 6);
  EXPECT_EQ(kv.n_cached_blocks(), 2);
}

TEST(KvCachePrefix, ThePoolTakesBackCachedBlocksLeastRecentlyUsedFirst) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, options(4));
  const std::vector<int32_t> a = tokens(8, 0), b = tokens(8, 50);
  kv.reserve(0, 8);
  kv.commit(0, a, 8);
  kv.remove(0);
  kv.reserve(1, 8);  // the 2 free blocks
  kv.commit(1, b, 8);
  kv.remove(1);
  EXPECT_EQ(kv.n_cached_blocks(), 4);
  kv.reserve(2, 4);  // no free block: evicts a's last block (oldest, and a leaf)
  EXPECT_EQ(kv.n_cached_blocks(), 3);
  EXPECT_EQ(kv.match_prefix(3, a, 8), 4);  // a's first block is still there
  EXPECT_EQ(kv.match_prefix(4, b, 8), 8);
  EXPECT_THROW(kv.reserve(5, 4), Error);  // every block is owned now
}

// Two layers, the second sliding over a window of 6 tokens (blocks of 4): its pool holds 3
// blocks, what one sequence stepping 4 tokens at a time needs.
KvCacheOptions windowed(int32_t n_blocks, int32_t n_window_blocks = 3) {
  KvCacheOptions o = options(n_blocks);
  o.layer_layouts = {o.layout, o.layout};
  o.layer_layouts[1].window = 6;
  o.n_window_blocks = n_window_blocks;
  return o;
}

std::vector<int32_t> window_table(const KvCache& kv, int32_t seq) {
  const auto t = kv.window_table(seq);
  return {t.begin(), t.end()};
}

constexpr int32_t kGone = KvCache::kReleased;

TEST(KvCacheWindow, TheWindowLayersLetGoOfWhatTheNextStepCannotSee) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, windowed(16));
  EXPECT_EQ(kv.window(), 6);
  EXPECT_EQ(kv.n_window_blocks(), 3);
  EXPECT_EQ(kv.layer(0).n_blocks, 16);
  EXPECT_EQ(kv.layer(1).n_blocks, 3);
  kv.reserve(0, 8);
  EXPECT_EQ(window_table(kv, 0), (std::vector<int32_t>{0, 1}));
  // The step at 8..11 sees from position 3 on: block 0 (positions 0..3) is still read.
  kv.reserve(0, 12);
  EXPECT_EQ(window_table(kv, 0), (std::vector<int32_t>{0, 1, 2}));
  // The step at 12..15 sees from 7: block 0 goes, and its block holds positions 12..15.
  kv.reserve(0, 16);
  EXPECT_EQ(window_table(kv, 0), (std::vector<int32_t>{kGone, 1, 2, 0}));
  EXPECT_EQ(kv.window_slot(0, 13), 0 * 4 + 1);
  EXPECT_EQ(kv.slot(0, 13), 3 * 4 + 1);
  // A long sequence decoding token by token runs in the same three blocks.
  for (int32_t n = 17; n <= 40; ++n) kv.reserve(0, n);
  EXPECT_EQ(table(kv, 0).size(), 10u);
  const std::vector<int32_t> w = window_table(kv, 0);
  EXPECT_EQ(std::count(w.begin(), w.end(), kGone), 8);
  kv.remove(0);
  kv.reserve(1, 12);  // every window block came back
  EXPECT_EQ(window_table(kv, 1).size(), 3u);
}

TEST(KvCacheWindow, AStepLongerThanThePoolIsAClearError) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, windowed(8));
  EXPECT_THROW(kv.reserve(0, 16), Error);  // 4 window blocks at once
  EXPECT_EQ(kv.n_tokens(0), 0);
  EXPECT_EQ(kv.n_free_blocks(), 8);
}

TEST(KvCacheWindow, TruncateGoesBackOnlyAsFarAsTheWindowHolds) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, windowed(8, 6));
  kv.reserve(0, 12);
  kv.save_state(0);  // keeps the blocks a step at 12 reads (from position 7: blocks 1, 2)
  for (int32_t n = 16; n <= 24; n += 4) kv.reserve(0, n);
  EXPECT_EQ(window_table(kv, 0)[1], 1);
  kv.truncate(0, 12);
  EXPECT_EQ(kv.n_tokens(0), 12);
  kv.remove(0);
  kv.reserve(1, 12);
  for (int32_t n = 16; n <= 24; n += 4) kv.reserve(1, n);
  EXPECT_THROW(kv.truncate(1, 12), Error);  // blocks 1 and 2 are gone
  EXPECT_EQ(kv.n_tokens(1), 24);
}

TEST(KvCacheWindow, APrefixIsSharedOnlyWhereItsWindowIsStillCached) {
  auto be = make_cpu_backend({});
  KvCache kv(*be, windowed(16, 4));
  const std::vector<int32_t> t = tokens(20);
  for (int32_t n = 4; n <= 20; n += 4) {
    kv.reserve(0, n);
    kv.commit(0, t, n);
  }
  kv.remove(0);  // window blocks 2..4 stay cached; 0 and 1 were let go but stay cached too
  EXPECT_EQ(kv.match_prefix(1, t, 20), 20);
  // A step at 20 reads from position 15: window blocks 3 and 4, shared.
  EXPECT_EQ(window_table(kv, 1), (std::vector<int32_t>{kGone, kGone, kGone, window_table(kv, 1)[3],
                                                       window_table(kv, 1)[4]}));
  kv.remove(1);
  // Another sequence takes every window block: the cached window of the prefix is gone, and
  // so is the match.
  const std::vector<int32_t> other = tokens(16, 500);
  kv.reserve(2, 16);
  kv.commit(2, other, 16);
  EXPECT_EQ(kv.match_prefix(3, t, 20), 0);
  EXPECT_EQ(kv.n_tokens(3), 0);
}

}  // namespace
}  // namespace minke
