// DfaCache: see dfa_cache.h.
#include "grammar/dfa_cache.h"

namespace minke {

size_t DfaCache::Hash::operator()(const MatchState& s) const {
  uint64_t h = s.accepting ? 0x9E3779B97F4A7C15ull : 0;
  for (const int32_t id : s.stacks) h = (h ^ static_cast<uint32_t>(id)) * 0x100000001B3ull;
  return static_cast<size_t>(h ^ (h >> 29));
}

int32_t DfaCache::intern(const MatchState& state) {
  if (state.dead()) return kDead;
  if (const auto it = ids_.find(state); it != ids_.end()) return it->second;
  const auto id = static_cast<int32_t>(states_.size());
  states_.push_back(state);
  next_.emplace_back();
  next_.back().fill(kUnknown);
  ids_.emplace(state, id);
  return id;
}

int32_t DfaCache::step(int32_t state, uint8_t byte) {
  if (state == kDead) return kDead;
  int32_t next = next_[static_cast<size_t>(state)][byte];
  if (next != kUnknown) return next;
  stacks_.advance(states_[static_cast<size_t>(state)], byte, scratch_);
  next = intern(scratch_);
  next_[static_cast<size_t>(state)][byte] = next;
  return next;
}

bool DfaCache::trim() {
  if (states_.size() < kMaxStates) return false;
  states_.clear();
  next_.clear();
  ids_.clear();
  return true;
}

}  // namespace minke
