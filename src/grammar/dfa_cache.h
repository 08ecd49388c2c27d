// DfaCache: the grammar's pushdown states met so far, numbered, with their byte transitions
// remembered as they are computed (a lazily built DFA over the states one output visits). A
// vocabulary walk inside a JSON string meets the same few states over and over, so after the
// first tokens every byte costs one table lookup instead of a stack closure.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "grammar/grammar_matcher.h"

namespace minke {

class DfaCache {
 public:
  static constexpr int32_t kDead = -1;  // no stack left and the output cannot end

  explicit DfaCache(GrammarStacks& stacks) : stacks_(stacks) {}

  // The number of a state (kDead for a dead one), adding it when new.
  int32_t intern(const MatchState& state);
  // The state after one byte.
  int32_t step(int32_t state, uint8_t byte);
  // Forgets every state once there are too many (a grammar that keeps making new stacks, e.g.
  // deep recursion, must not grow the table without bound). Numbers handed out before are void:
  // call it only between walks. True when it did.
  bool trim();
  const MatchState& state(int32_t id) const { return states_[static_cast<size_t>(id)]; }
  size_t size() const { return states_.size(); }

 private:
  static constexpr size_t kMaxStates = 1 << 15;
  static constexpr int32_t kUnknown = -2;

  struct Hash {
    size_t operator()(const MatchState& s) const;
  };

  GrammarStacks& stacks_;
  std::vector<MatchState> states_;
  std::vector<std::array<int32_t, 256>> next_;
  std::unordered_map<MatchState, int32_t, Hash> ids_;
  MatchState scratch_;
};

}  // namespace minke
