// KvCache: the paged KV cache. Every layer has one KvStore (f16 K and V pools from the
// Backend) of n_blocks blocks of block_size tokens; a sequence owns a block table mapping its
// logical blocks (position / block_size) to physical blocks shared by all layers. With the
// prefix cache, full blocks of computed tokens are indexed by content (PrefixIndex): a new
// sequence starting with the same tokens shares them, and they outlive their sequences until
// the pool needs the room (least recently used first). A hybrid model's recurrent layers keep
// a fixed-size state per sequence instead (RecurrentStates), which lives and dies with the
// sequence here. Such a cache shares a prefix only as far as a state snapshot reaches: commit
// copies the state whenever a sequence has consumed exactly a whole number of blocks, and
// match_prefix stops at the deepest matched block boundary that has one. It cuts a sequence
// back only to a point saved with save_state.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "backend/backend.h"
#include "kv/block_allocator.h"
#include "kv/prefix_index.h"
#include "kv/recurrent_state.h"

namespace minke {

// Tokens per KV block unless a caller picks another size: the engine, the CLI and the tests use
// this one value.
inline constexpr int32_t kKvBlockSize = 16;

struct KvCacheOptions {
  int32_t n_layer = 0;
  KvLayout layout;  // block_size and the model's Model::kv_layout()
  // Each layer's layout where they differ (Model::kv_layer_layout, n_layer of them, with
  // layout's block_size); empty: `layout` for every layer.
  std::vector<KvLayout> layer_layouts;
  int32_t n_blocks = 0;     // pool size in blocks; 0: enough blocks for n_ctx_total tokens
  int32_t n_ctx_total = 0;  // tokens over all sequences (used when n_blocks == 0)
  // Recurrent state (Model::recurrent_state_floats): floats per sequence, and how many
  // sequences hold one at once (1 when 0). None when state_floats == 0.
  int64_t state_floats = 0;
  int32_t n_state_seqs = 0;
  int32_t n_state_snapshots = 0;  // prefix-cache copies of states at block boundaries
};

class KvCache {
 public:
  KvCache(Backend& backend, const KvCacheOptions& options);

  // Ensures blocks for positions [0, n_tokens) of seq (creating the sequence if new);
  // n_tokens(seq) becomes at least n_tokens. Throws minke::Error("KV cache full: ...") and
  // changes nothing when the pool has too few free blocks.
  void reserve(int32_t seq, int32_t n_tokens);
  // Forgets seq and frees its blocks (no-op for an unknown sequence).
  void remove(int32_t seq);
  // Keeps positions [0, n_tokens) of seq and frees the blocks past them. The block cut into
  // must be seq's alone. With recurrent state, n_tokens must be where the state is or where
  // save_state kept it (minke::Error otherwise, before anything changes).
  void truncate(int32_t seq, int32_t n_tokens);
  // seq's recurrent state (nullptr without one), and a snapshot of it truncate can go back to.
  RecurrentStates::State* state(int32_t seq) { return states_ ? states_->find(seq) : nullptr; }
  void save_state(int32_t seq);
  bool has_state() const { return states_ != nullptr; }
  int64_t state_bytes() const { return states_ ? states_->bytes() : 0; }

  // Prefix cache. For a sequence not yet in the cache: shares the cached blocks that hold the
  // longest run of whole blocks of tokens[0, max_tokens) and returns how many tokens they hold
  // (a multiple of block_size; 0 when nothing matches, and then nothing changes). With
  // recurrent state, the run ends at the deepest block boundary with a state snapshot, which
  // seq's state becomes.
  int32_t match_prefix(int32_t seq, std::span<const int32_t> tokens, int32_t max_tokens);
  // Indexes seq's blocks that are full and computed: tokens[0, n_computed) hold its K/V. With
  // recurrent state, also snapshots the state when it has consumed exactly n_computed tokens
  // and they fill whole blocks.
  void commit(int32_t seq, std::span<const int32_t> tokens, int32_t n_computed);
  // Tokens match_prefix has found so far, and tokens it was asked about.
  int64_t prefix_hit_tokens() const { return hit_tokens_; }
  int64_t prefix_query_tokens() const { return query_tokens_; }
  int32_t n_cached_blocks() const { return prefix_.n_parked(); }

  // seq's physical blocks in logical order (empty for an unknown sequence). Valid until the
  // next reserve/remove/truncate.
  std::span<const int32_t> block_table(int32_t seq) const;
  int32_t n_tokens(int32_t seq) const;  // reserved length, 0 for an unknown sequence
  // The slot (block * block_size + offset) of seq's token at `position` (must be reserved).
  int32_t slot(int32_t seq, int32_t position) const;

  const KvStore& layer(int32_t il) const;
  int32_t n_layer() const { return static_cast<int32_t>(layers_.size()); }
  const KvLayout& layout() const { return layout_; }
  int32_t n_blocks() const { return blocks_.n_blocks(); }
  // Blocks a sequence can take: free ones and cached ones nobody is using.
  int32_t n_free_blocks() const { return blocks_.n_free() + prefix_.n_parked(); }

  // Bytes one token takes over all layers (f16 K and V, or the latent row).
  static int64_t bytes_per_token(int32_t n_layer, const KvLayout& layout);

 private:
  struct Sequence {
    std::vector<int32_t> blocks;
    int32_t n_tokens = 0;
    int32_t n_hashed = 0;  // leading blocks whose hash is known (indexed, or a duplicate)
    BlockHash last_hash;   // the hash of block n_hashed - 1
  };
  Sequence& create(int32_t seq);
  int32_t resume_state(int32_t seq, Sequence& s, int32_t n);
  int32_t take_block();
  void release_block(int32_t block);
  int32_t blocks_for(int32_t n_tokens) const {
    return (n_tokens + layout_.block_size - 1) / layout_.block_size;
  }

  KvLayout layout_;
  BlockAllocator blocks_;
  PrefixIndex prefix_;
  int64_t hit_tokens_ = 0, query_tokens_ = 0;
  std::vector<KvStore> layers_;  // [n_layer]
  std::unique_ptr<RecurrentStates> states_;
  std::vector<BlockHash> match_hashes_;  // match_prefix's chain hashes (capacity: the pool)
  std::unordered_map<int32_t, Sequence> seqs_;
};

}  // namespace minke
