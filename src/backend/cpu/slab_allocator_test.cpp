// SlabAllocator: aligned, zeroed, non-overlapping blocks, including ones larger than a slab.
#include "backend/cpu/slab_allocator.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace minke {
namespace {

TEST(SlabAllocator, AlignedZeroedAndDisjoint) {
  SlabAllocator slabs;
  struct Block {
    uint8_t* p;
    size_t n;
  };
  std::vector<Block> blocks;
  const size_t sizes[] = {1,
                          63,
                          64,
                          100000,
                          SlabAllocator::kSlabBytes - 5,
                          3 << 20,
                          1 << 26,
                          12345,
                          (size_t{1} << 27) + 7};
  for (const size_t n : sizes) {
    uint8_t* p = slabs.alloc(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % SlabAllocator::kAlign, 0U) << n;
    // Zeroed: check the ends (touching all would make the test slow and resident).
    EXPECT_EQ(p[0], 0);
    EXPECT_EQ(p[n - 1], 0);
    std::memset(p, 0xA5, n < 4096 ? n : 4096);
    p[n - 1] = 0x5A;
    blocks.push_back({p, n});
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    for (size_t j = i + 1; j < blocks.size(); ++j) {
      const bool disjoint =
          blocks[i].p + blocks[i].n <= blocks[j].p || blocks[j].p + blocks[j].n <= blocks[i].p;
      EXPECT_TRUE(disjoint) << i << " and " << j;
    }
    EXPECT_EQ(blocks[i].p[blocks[i].n - 1], 0x5A);
  }
}

}  // namespace
}  // namespace minke
