// PrefixIndex: content hashes chain (the same block after another parent is another hash),
// the open-addressing table keeps every entry findable through inserts and erases, and parked
// blocks leave in least-recently-used order.
#include "kv/prefix_index.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace minke {
namespace {

TEST(PrefixIndex, HashesChainThroughTheParent) {
  const std::vector<int32_t> a = {1, 2, 3, 4}, b = {1, 2, 3, 5};
  const BlockHash ha = PrefixIndex::chain({}, a);
  EXPECT_EQ(ha, PrefixIndex::chain({}, a));
  EXPECT_FALSE(ha == PrefixIndex::chain({}, b));
  EXPECT_FALSE(PrefixIndex::chain(ha, a) == ha);
  EXPECT_FALSE(PrefixIndex::chain(ha, b) == PrefixIndex::chain(PrefixIndex::chain({}, b), b));
}

TEST(PrefixIndex, EveryEntryStaysFindableThroughInsertsAndErases) {
  constexpr int32_t kBlocks = 64;
  PrefixIndex index(kBlocks);
  std::mt19937 rng(7);
  std::vector<BlockHash> hash_of(kBlocks);
  std::vector<bool> in(kBlocks, false);
  for (int round = 0; round < 5000; ++round) {
    const int32_t b = static_cast<int32_t>(rng() % kBlocks);
    if (in[b]) {
      index.erase(b);
      in[b] = false;
    } else {
      // Few distinct low bits: long probe runs that wrap around the table.
      hash_of[b] = {rng() % 8 + (uint64_t{rng()} << 32), rng()};
      if (index.find(hash_of[b]) >= 0) continue;
      index.insert(hash_of[b], b);
      in[b] = true;
    }
    for (int32_t x = 0; x < kBlocks; ++x) {
      if (in[x]) {
        ASSERT_EQ(index.find(hash_of[x]), x) << "round " << round;
      }
      ASSERT_EQ(index.indexed(x), in[x]);
    }
  }
}

TEST(PrefixIndex, ParkedBlocksAreEvictedOldestFirst) {
  PrefixIndex index(8);
  for (int32_t b = 0; b < 4; ++b) index.insert({uint64_t(b), 1}, b);
  index.park(2);
  index.park(0);
  index.park(3);
  EXPECT_EQ(index.n_parked(), 3);
  index.unpark(0);  // reused: no longer evictable
  index.park(0);    // released again: now the newest
  EXPECT_EQ(index.evict(), 2);
  EXPECT_FALSE(index.indexed(2));
  EXPECT_EQ(index.find({2, 1}), -1);
  EXPECT_EQ(index.evict(), 3);
  EXPECT_EQ(index.evict(), 0);
  EXPECT_EQ(index.evict(), -1);
  EXPECT_EQ(index.n_parked(), 0);
  EXPECT_TRUE(index.indexed(1));
}

}  // namespace
}  // namespace minke
