// BlockAllocator: lowest-first allocation, reference counts, reuse after release.
#include "kv/block_allocator.h"

#include <gtest/gtest.h>

namespace minke {
namespace {

TEST(BlockAllocator, HandsOutLowestFreeBlockFirst) {
  BlockAllocator a(4);
  EXPECT_EQ(a.n_free(), 4);
  EXPECT_EQ(a.allocate(), 0);
  EXPECT_EQ(a.allocate(), 1);
  EXPECT_EQ(a.allocate(), 2);
  a.release(1);
  a.release(0);
  EXPECT_EQ(a.n_free(), 3);
  EXPECT_EQ(a.allocate(), 0);  // whatever the release order
  EXPECT_EQ(a.allocate(), 1);
  EXPECT_EQ(a.allocate(), 3);
  EXPECT_EQ(a.n_free(), 0);
}

TEST(BlockAllocator, SharedBlockIsFreedByItsLastOwner) {
  BlockAllocator a(2);
  const int32_t b = a.allocate();
  a.retain(b);
  EXPECT_EQ(a.ref_count(b), 2);
  a.release(b);
  EXPECT_EQ(a.ref_count(b), 1);
  EXPECT_EQ(a.n_free(), 1);
  a.release(b);
  EXPECT_EQ(a.ref_count(b), 0);
  EXPECT_EQ(a.n_free(), 2);
}

}  // namespace
}  // namespace minke
