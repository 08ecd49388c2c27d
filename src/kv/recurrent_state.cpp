// RecurrentStates: the slot pool of the recurrent layers' per-sequence state (see
// recurrent_state.h).
#include "kv/recurrent_state.h"

#include <string>

#include "core/check.h"
#include "minke/error.h"

namespace minke {

RecurrentStates::RecurrentStates(Backend& backend, int64_t floats_per_seq, int32_t n_slots,
                                 int32_t n_snapshots)
    : backend_(backend), floats_(floats_per_seq) {
  MINKE_CHECK(floats_per_seq > 0 && n_slots > 0 && n_snapshots >= 0);
  snapshots_.resize(static_cast<size_t>(n_snapshots));
  for (Snapshot& s : snapshots_) s.data = backend.alloc_state(floats_);
  slots_.resize(static_cast<size_t>(n_slots));
  free_.reserve(static_cast<size_t>(n_slots));
  for (int32_t i = n_slots; i-- > 0;) {
    slots_[static_cast<size_t>(i)].state.data = backend.alloc_state(floats_);
    free_.push_back(i);
  }
}

void RecurrentStates::create(int32_t seq) {
  if (owner_.contains(seq)) return;
  if (free_.empty()) {
    throw Error("KV cache full: sequence " + std::to_string(seq) +
                " needs a recurrent-state slot but all " + std::to_string(n_slots()) +
                " are in use (allow more parallel sequences)");
  }
  const int32_t i = free_.back();
  free_.pop_back();
  owner_[seq] = i;
  Slot& s = slots_[static_cast<size_t>(i)];
  backend_.copy_state(nullptr, s.state.data, floats_);  // zeros
  s.state.n_tokens = 0;
  s.snapshot_tokens = -1;
}

void RecurrentStates::remove(int32_t seq) {
  const auto it = owner_.find(seq);
  if (it == owner_.end()) return;
  free_.push_back(it->second);
  owner_.erase(it);
  for (Snapshot& s : snapshots_) {  // its decode snapshot stays, as an ordinary one
    if (s.decoding_seq == seq) s.decoding_seq = -1;
  }
}

int32_t RecurrentStates::find_snapshot(const BlockHash& key) const {
  for (size_t i = 0; i < snapshots_.size(); ++i) {
    if (snapshots_[i].used && snapshots_[i].key == key) return static_cast<int32_t>(i);
  }
  return -1;
}

void RecurrentStates::snapshot(int32_t seq, const BlockHash& key, bool decoding) {
  const State* state = find(seq);
  if (snapshots_.empty() || state == nullptr) return;
  if (const int32_t i = find_snapshot(key); i >= 0) {
    snapshots_[static_cast<size_t>(i)].last_use = ++clock_;
    return;
  }
  // The slot to fill: seq's own decode snapshot, else a free one, else the least recently used.
  Snapshot* dst = nullptr;
  if (decoding) {
    for (Snapshot& s : snapshots_) {
      if (s.decoding_seq == seq) dst = &s;
    }
  }
  for (Snapshot& s : snapshots_) {
    if (dst != nullptr) break;
    if (!s.used) dst = &s;
  }
  if (dst == nullptr) {
    dst = &snapshots_.front();
    for (Snapshot& s : snapshots_) {
      if (s.last_use < dst->last_use) dst = &s;
    }
  }
  backend_.copy_state(state->data, dst->data, floats_);
  dst->key = key;
  dst->used = true;
  dst->decoding_seq = decoding ? seq : -1;
  dst->last_use = ++clock_;
}

void RecurrentStates::restore(int32_t seq, const BlockHash& key, int32_t n_tokens) {
  State* state = find(seq);
  const int32_t i = find_snapshot(key);
  MINKE_CHECK(state != nullptr && i >= 0);
  Snapshot& s = snapshots_[static_cast<size_t>(i)];
  backend_.copy_state(s.data, state->data, floats_);
  state->n_tokens = n_tokens;
  s.last_use = ++clock_;
}

RecurrentStates::State* RecurrentStates::find(int32_t seq) {
  const auto it = owner_.find(seq);
  return it == owner_.end() ? nullptr : &slots_[static_cast<size_t>(it->second)].state;
}

const RecurrentStates::State* RecurrentStates::find(int32_t seq) const {
  const auto it = owner_.find(seq);
  return it == owner_.end() ? nullptr : &slots_[static_cast<size_t>(it->second)].state;
}

void RecurrentStates::save(int32_t seq) {
  const auto it = owner_.find(seq);
  MINKE_CHECK(it != owner_.end());
  Slot& s = slots_[static_cast<size_t>(it->second)];
  if (s.snapshot == nullptr) s.snapshot = backend_.alloc_state(floats_);
  backend_.copy_state(s.state.data, s.snapshot, floats_);
  s.snapshot_tokens = s.state.n_tokens;
}

void RecurrentStates::rewind(int32_t seq, int32_t n_tokens) {
  const auto it = owner_.find(seq);
  if (it == owner_.end()) return;
  Slot& s = slots_[static_cast<size_t>(it->second)];
  if (s.state.n_tokens == n_tokens) return;
  if (s.snapshot_tokens != n_tokens) {
    throw Error("sequence " + std::to_string(seq) + ": the recurrent state has consumed " +
                std::to_string(s.state.n_tokens) + " tokens and cannot be cut back to " +
                std::to_string(n_tokens) + " (no snapshot there)");
  }
  backend_.copy_state(s.snapshot, s.state.data, floats_);
  s.state.n_tokens = n_tokens;
}

}  // namespace minke
