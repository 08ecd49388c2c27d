// KvCache: block tables grow, shrink and free as sequences reserve, truncate and leave; a full
// pool throws a user-facing error and leaves everything as it was.
#include "kv/kv_cache.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace minke
