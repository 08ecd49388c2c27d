// BlockAllocator: hands out the fixed-size KV blocks of a pool by index, with a reference count
// per block so that sequences can later share prefix blocks (a block returns to the free list
// when its last owner releases it). Deterministic: the lowest free index is handed out first.
#pragma once

#include <cstdint>
#include <vector>

namespace minke {

class BlockAllocator {
 public:
  explicit BlockAllocator(int32_t n_blocks);

  int32_t n_blocks() const { return static_cast<int32_t>(refs_.size()); }
  int32_t n_free() const { return static_cast<int32_t>(free_.size()); }

  // A free block with reference count 1; the caller checks n_free() > 0 first.
  int32_t allocate();
  // Adds an owner to an allocated block (prefix sharing).
  void retain(int32_t block);
  // Drops an owner; the block is free again when none is left.
  void release(int32_t block);
  // Drops an owner; true when none is left, and then the block is neither free nor owned: the
  // caller keeps it (a cached prefix block) until it revive()s or free()s it.
  bool drop(int32_t block);
  // An unowned, kept block gets one owner again (a cached block reused or recycled).
  void revive(int32_t block);
  // An unowned, kept block goes back to the free list.
  void free(int32_t block);
  int32_t ref_count(int32_t block) const;

 private:
  std::vector<int32_t> refs_;  // [n_blocks] owners per block, 0 = free
  std::vector<int32_t> free_;  // free blocks, the next one to hand out at the back
};

}  // namespace minke
