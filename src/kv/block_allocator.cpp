// BlockAllocator: a free stack plus per-block reference counts (see block_allocator.h).
#include "kv/block_allocator.h"

#include <algorithm>
#include <functional>

#include "core/check.h"

namespace minke {

BlockAllocator::BlockAllocator(int32_t n_blocks) {
  MINKE_CHECK(n_blocks > 0);
  refs_.assign(static_cast<size_t>(n_blocks), 0);
  free_.reserve(static_cast<size_t>(n_blocks));
  for (int32_t b = n_blocks - 1; b >= 0; --b) free_.push_back(b);  // block 0 on top
}

int32_t BlockAllocator::allocate() {
  MINKE_CHECK(!free_.empty());
  const int32_t b = free_.back();
  free_.pop_back();
  refs_[static_cast<size_t>(b)] = 1;
  return b;
}

void BlockAllocator::retain(int32_t block) {
  MINKE_CHECK(ref_count(block) > 0);
  ++refs_[static_cast<size_t>(block)];
}

void BlockAllocator::release(int32_t block) {
  if (drop(block)) free(block);
}

bool BlockAllocator::drop(int32_t block) {
  MINKE_CHECK(ref_count(block) > 0);
  return --refs_[static_cast<size_t>(block)] == 0;
}

void BlockAllocator::revive(int32_t block) {
  MINKE_CHECK(ref_count(block) == 0);
  refs_[static_cast<size_t>(block)] = 1;
}

void BlockAllocator::free(int32_t block) {
  MINKE_CHECK(ref_count(block) == 0);
  // Keep the free stack sorted (lowest index on top) so allocation order does not depend on
  // the order sequences were removed in.
  const auto it = std::lower_bound(free_.begin(), free_.end(), block, std::greater<int32_t>());
  free_.insert(it, block);
}

int32_t BlockAllocator::ref_count(int32_t block) const {
  MINKE_CHECK(block >= 0 && block < n_blocks());
  return refs_[static_cast<size_t>(block)];
}

}  // namespace minke
