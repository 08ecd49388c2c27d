// RecurrentStates: the slot pool of the recurrent layers' per-sequence state (see
// recurrent_state.h).
#include "kv/recurrent_state.h"

#include <string>

#include "core/check.h"
#include "minke/error.h"

namespace minke {

RecurrentStates::RecurrentStates(Backend& backend, int64_t floats_per_seq, int32_t n_slots)
    : backend_(backend), floats_(floats_per_seq) {
  MINKE_CHECK(floats_per_seq > 0 && n_slots > 0);
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
