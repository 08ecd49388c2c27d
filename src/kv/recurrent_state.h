// RecurrentStates: the per-sequence state of a hybrid model's recurrent layers (Gated DeltaNet:
// each layer's convolution tail and per-head state matrices). Unlike K/V it does not grow with
// the context and cannot be cut back: it summarises every token a sequence has consumed. A
// fixed pool of slots, one per sequence that runs at once, is allocated from the backend up
// front. A slot can keep one snapshot (save), the only point its sequence can be rewound to.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "backend/backend.h"

namespace minke {

class RecurrentStates {
 public:
  // n_slots slots of floats_per_seq floats (both > 0).
  RecurrentStates(Backend& backend, int64_t floats_per_seq, int32_t n_slots);

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

  int64_t floats_per_seq() const { return floats_; }
  int32_t n_slots() const { return static_cast<int32_t>(slots_.size()); }
  int32_t n_free() const { return static_cast<int32_t>(free_.size()); }
  int64_t bytes() const { return floats_ * 4 * n_slots(); }

 private:
  struct Slot {
    State state;
    float* snapshot = nullptr;
    int32_t snapshot_tokens = -1;  // -1: none
  };
  Backend& backend_;
  int64_t floats_;
  std::vector<Slot> slots_;
  std::vector<int32_t> free_;                   // free slot indices
  std::unordered_map<int32_t, int32_t> owner_;  // sequence -> slot
};

}  // namespace minke
