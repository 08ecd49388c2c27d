// BlockPool: a pool of KV blocks (BlockAllocator) with the prefix index over them
// (PrefixIndex): blocks a sequence takes come from the free list, or else are the least
// recently used cached ones; a block its last owner releases stays cached if it is indexed.
// The KV cache keeps one pool for the layers that attend over the whole context and, for a
// model with sliding-window layers, a second, smaller one for those.
#pragma once

#include <cstdint>

#include "kv/block_allocator.h"
#include "kv/prefix_index.h"

namespace minke {

class BlockPool {
 public:
  explicit BlockPool(int32_t n_blocks) : blocks_(n_blocks), index_(n_blocks) {}

  int32_t n_blocks() const { return blocks_.n_blocks(); }
  // Blocks a sequence can take: free ones and cached ones nobody is using.
  int32_t n_available() const { return blocks_.n_free() + index_.n_parked(); }
  // A free block, or else the least recently used cached one (n_available() > 0).
  int32_t take();
  // Drops one owner; an indexed block nobody owns stays cached, any other is free again.
  void release(int32_t block);
  // One more owner of an indexed block found by its hash (cached or in use).
  void share(int32_t block);

  BlockAllocator& blocks() { return blocks_; }
  const BlockAllocator& blocks() const { return blocks_; }
  PrefixIndex& index() { return index_; }
  const PrefixIndex& index() const { return index_; }

 private:
  BlockAllocator blocks_;
  PrefixIndex index_;
};

}  // namespace minke
