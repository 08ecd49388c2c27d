// RecurrentStates: the per-sequence state of a hybrid model's recurrent layers (Gated DeltaNet:
// each layer's convolution tail and per-head state matrices). Unlike K/V it does not grow with
// the context and cannot be cut back: it summarises every token a sequence has consumed. A
// fixed pool of slots, one per sequence that runs at once, is allocated from the backend up
// front. A slot can keep one snapshot (save), the only point its sequence can be rewound to.
//
// Prefix caching: a state cannot be cut back to a shared prefix, so copies of it are kept at
// block boundaries, keyed by the hash of the block chain before them (the prefix index's
// BlockHash): a new sequence whose prompt starts with those blocks takes the copy instead of
// recomputing them. A fixed pool of snapshots, least recently used first out; each sequence
// keeps at most one snapshot taken while decoding (its latest boundary, overwritten as it goes),
// so a long answer cannot push out the prompts' snapshots. Nothing allocates after construction.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "backend/backend.h"
#include "kv/prefix_index.h"

namespace minke {

class RecurrentStates {
 public:
  // n_slots slots of floats_per_seq floats (both > 0) and n_snapshots prefix snapshots.
  RecurrentStates(Backend& backend, int64_t floats_per_seq, int32_t n_slots,
                  int32_t n_snapshots = 0);

  // One sequence's state: data holds floats_per_seq() floats; n_tokens counts the tokens it has
  // consumed (the model advances it; the next token must be at that position).
  struct State {
    float* data = nullptr;
    int32_t n_tokens = 0;
  };

  // Gives seq a zeroed slot (no-op if it has one). Throws minke::Error("KV cache full: ...")
  // and changes nothing when every slot is taken.
  void create(int32_t seq);
  void remove(int32_t seq);  // frees seq's slot (no-op for an unknown sequence)
  State* find(int32_t seq);  // nullptr for a sequence without a slot
  const State* find(int32_t seq) const;
  // Keeps a copy of seq's state as it is now (a second buffer, allocated on first use).
  void save(int32_t seq);
  // Brings seq's state back to n_tokens: nothing to do when it holds that many, the snapshot
  // when save() kept one at n_tokens; else throws minke::Error (a recurrent state cannot be
  // cut back).
  void rewind(int32_t seq, int32_t n_tokens);

  // Prefix snapshots. Keeps a copy of seq's state as the state after the block chain `key`;
  // `decoding`: replaces seq's earlier decode snapshot rather than taking another. Refreshes an
  // existing snapshot of key instead of copying again. No-op without snapshot slots.
  void snapshot(int32_t seq, const BlockHash& key, bool decoding);
  bool has_snapshot(const BlockHash& key) const { return find_snapshot(key) >= 0; }
  // Gives seq (which must have a slot) the state kept under key, having consumed n_tokens.
  void restore(int32_t seq, const BlockHash& key, int32_t n_tokens);
  int32_t n_snapshots() const { return static_cast<int32_t>(snapshots_.size()); }

  int64_t floats_per_seq() const { return floats_; }
  int32_t n_slots() const { return static_cast<int32_t>(slots_.size()); }
  int32_t n_free() const { return static_cast<int32_t>(free_.size()); }
  int64_t bytes() const { return floats_ * 4 * (n_slots() + n_snapshots()); }

 private:
  struct Slot {
    State state;
    float* snapshot = nullptr;
    int32_t snapshot_tokens = -1;  // -1: none
  };
  struct Snapshot {
    float* data = nullptr;
    BlockHash key;
    bool used = false;
    int32_t decoding_seq = -1;  // the sequence whose decode snapshot this is, or -1
    uint64_t last_use = 0;      // for least-recently-used eviction
  };
  int32_t find_snapshot(const BlockHash& key) const;

  Backend& backend_;
  int64_t floats_;
  std::vector<Slot> slots_;
  std::vector<Snapshot> snapshots_;
  uint64_t clock_ = 0;
  std::vector<int32_t> free_;                   // free slot indices
  std::unordered_map<int32_t, int32_t> owner_;  // sequence -> slot
};

}  // namespace minke
