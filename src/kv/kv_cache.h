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
//
// Sliding-window layers (KvLayout::window > 0) keep their K/V in a second, smaller pool: a
// sequence's window table maps the same logical blocks, but reserve releases the blocks its next
// step can no longer see (all tokens older than the window), so those layers hold about
// window + step tokens per sequence whatever the context. A released block that was indexed stays
// cached like any other, and match_prefix shares a prefix only as far as the window blocks
// before its end are still cached.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "backend/backend.h"
#include "kv/block_pool.h"
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
  // Blocks of the sliding-window layers' pool (when a layout has a window); 0 or more than
  // n_blocks: n_blocks. Each sequence needs ceil((window - 1 + step tokens) / block_size) + 1.
  int32_t n_window_blocks = 0;
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
  // Keeps what truncate needs to come back to seq's current length: the recurrent state, and
  // the window blocks reserve would otherwise release (until truncate comes back or seq goes).
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
  int32_t n_cached_blocks() const { return pool_.index().n_parked(); }

  // seq's physical blocks in logical order (empty for an unknown sequence). Valid until the
  // next reserve/remove/truncate. The window table has kReleased for the blocks it let go.
  std::span<const int32_t> block_table(int32_t seq) const;
  std::span<const int32_t> window_table(int32_t seq) const;
  static constexpr int32_t kReleased = -1;
  int32_t n_tokens(int32_t seq) const;  // reserved length, 0 for an unknown sequence
  // The slot (block * block_size + offset) of seq's token at `position` (must be reserved), in
  // the main pool or the window pool.
  int32_t slot(int32_t seq, int32_t position) const;
  int32_t window_slot(int32_t seq, int32_t position) const;
  // The tokens the sliding-window layers keep per sequence (0: no such layers).
  int32_t window() const { return window_; }

  const KvStore& layer(int32_t il) const;
  int32_t n_layer() const { return static_cast<int32_t>(layers_.size()); }
  const KvLayout& layout() const { return layout_; }
  int32_t n_blocks() const { return pool_.n_blocks(); }
  int32_t n_window_blocks() const { return wpool_ ? wpool_->n_blocks() : 0; }
  // Blocks a sequence can take: free ones and cached ones nobody is using.
  int32_t n_free_blocks() const { return pool_.n_available(); }

  // Bytes one token takes over all layers (f16 K and V, or the latent row).
  static int64_t bytes_per_token(int32_t n_layer, const KvLayout& layout);

 private:
  struct Sequence {
    std::vector<int32_t> blocks;
    std::vector<int32_t> window_blocks;  // the window pool's, kReleased below window_first
    int32_t window_first = 0;            // the first window block still held
    int32_t window_pin = -1;             // save_state: keep window blocks from here (-1: none)
    int32_t n_tokens = 0;
    int32_t n_hashed = 0;  // leading blocks whose hash is known (indexed, or a duplicate)
    BlockHash last_hash;   // the hash of block n_hashed - 1
  };
  Sequence& create(int32_t seq);
  int32_t resume_state(int32_t seq, Sequence& s, int32_t n);
  int32_t resume_window(Sequence& s, int32_t n);
  // The first block a step starting at `position` reads in the window layers.
  int32_t window_first_block(int32_t position) const {
    return std::max(0, position - window_ + 1) / layout_.block_size;
  }
  void release_window_below(Sequence& s, int32_t first);
  int32_t blocks_for(int32_t n_tokens) const {
    return (n_tokens + layout_.block_size - 1) / layout_.block_size;
  }

  KvLayout layout_;
  BlockPool pool_;
  int32_t window_ = 0;
  std::unique_ptr<BlockPool> wpool_;  // the sliding-window layers' blocks
  int64_t hit_tokens_ = 0, query_tokens_ = 0;
  std::vector<KvStore> layers_;  // [n_layer]
  std::unique_ptr<RecurrentStates> states_;
  std::vector<BlockHash> match_hashes_;  // match_prefix's chain hashes (capacity: the pool)
  std::unordered_map<int32_t, Sequence> seqs_;
};

}  // namespace minke
