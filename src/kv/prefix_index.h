// PrefixIndex: the KV cache's prefix cache bookkeeping (vLLM's automatic prefix caching). A
// full block of computed tokens is known by the hash of its tokens chained to its parent's, so
// a request whose prompt starts with the same tokens finds the blocks that hold them and skips
// their prefill. Blocks nobody owns any more stay indexed, "parked" in least-recently-used
// order, until the pool needs them: the cache lives inside the pool, never beside it.
// Nothing here allocates after construction (a flat open-addressing table and an intrusive
// list over block ids), so decoding stays allocation-free.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace minke {

// 128 bits: a collision would silently share wrong K/V, so two independent 64-bit chains.
struct BlockHash {
  uint64_t a = 0, b = 0;
  bool operator==(const BlockHash&) const = default;
};

class PrefixIndex {
 public:
  explicit PrefixIndex(int32_t n_blocks);

  // The hash of a block holding `tokens` after the block whose hash is `parent` ({} for the
  // first block of a sequence).
  static BlockHash chain(const BlockHash& parent, std::span<const int32_t> tokens);

  // The block indexed under `hash`, or -1.
  int32_t find(const BlockHash& hash) const;
  // Indexes `block` under `hash` (neither may be indexed yet).
  void insert(const BlockHash& hash, int32_t block);
  // Forgets the block's hash (no-op if it has none). The block must not be parked.
  void erase(int32_t block);
  bool indexed(int32_t block) const { return has_hash_[static_cast<size_t>(block)] != 0; }

  // Parked: indexed and owned by no sequence. park() makes the block the most recently used.
  void park(int32_t block);
  void unpark(int32_t block);
  bool parked(int32_t block) const { return prev_[static_cast<size_t>(block)] != kNone; }
  int32_t n_parked() const { return n_parked_; }
  // Unparks and forgets the least recently used parked block and returns it (-1 if none).
  int32_t evict();

 private:
  static constexpr int32_t kNone = -2;  // prev_ of a block that is not parked
  static constexpr int32_t kHead = -1;  // prev_ of the first parked block
  size_t slot_of(const BlockHash& hash) const;

  // Open addressing, linear probing, backward-shift deletion; a power of two >= 2 * n_blocks.
  std::vector<int32_t> table_;        // block per slot, -1 empty
  std::vector<BlockHash> hashes_;     // [n_blocks] each indexed block's hash
  std::vector<uint8_t> has_hash_;     // [n_blocks]
  std::vector<int32_t> prev_, next_;  // [n_blocks] LRU list of parked blocks, oldest first
  int32_t oldest_ = -1, newest_ = -1;
  int32_t n_parked_ = 0;
};

}  // namespace minke
