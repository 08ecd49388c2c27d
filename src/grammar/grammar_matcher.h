// GrammarMatcher: runs a Grammar over bytes as a pushdown automaton. Its state is a set of
// stacks (the nondeterministic alternatives still alive); a stack is an interned node
// (position, parent) whose position is a byte element, so equal stacks are equal integers and
// a state is a sorted list of them. Calls in tail position push nothing, so right recursion
// (x*, x+) runs in constant stack depth.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "grammar/grammar.h"

namespace minke {

struct MatchState {
  std::vector<int32_t> stacks;  // sorted node ids, each at a byte element
  bool accepting = false;       // the root can end here
  bool dead() const { return stacks.empty() && !accepting; }
  bool operator==(const MatchState&) const = default;
};

// The node pool: stacks interned as (position, parent) pairs. Grows with the distinct stacks a
// generation visits (for non-recursive grammars, a fixed set).
class GrammarStacks {
 public:
  explicit GrammarStacks(std::shared_ptr<const Grammar> grammar);

  const Grammar& grammar() const { return *grammar_; }
  MatchState initial();
  // `to` = the states reachable from `from` by consuming `byte` (to must not alias from).
  void advance(const MatchState& from, uint8_t byte, MatchState& to);
  // Advances through every byte of `bytes`; false as soon as the state dies.
  bool advance_all(MatchState& state, std::string_view bytes);
  // Whether a stack's next byte may be `byte` (a cheap first filter).
  bool stack_accepts(int32_t node, uint8_t byte) const;
  size_t n_nodes() const { return nodes_.size(); }

 private:
  struct Node {
    int32_t pos;
    int32_t parent;  // node to return to after this position's rule ends; -1 at the root
  };
  int32_t intern(int32_t pos, int32_t parent);
  void closure(int32_t pos, int32_t parent, MatchState& out);

  std::shared_ptr<const Grammar> grammar_;
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, int32_t> index_;
  std::vector<std::pair<int32_t, int32_t>> work_;  // closure worklist, reused
  // (pos, parent) pairs seen in one advance: an open-addressing set cleared by bumping a stamp,
  // so a grammar with thousands of alternatives (a long enum) stays linear.
  bool first_visit(int32_t pos, int32_t parent);
  void clear_visited();
  std::vector<uint64_t> visited_keys_;
  std::vector<uint32_t> visited_stamp_;
  uint32_t stamp_ = 0;
  size_t n_visited_ = 0;
  MatchState scratch_;
};

// A matcher for one output: the current state and the bytes it accepts next.
class GrammarMatcher {
 public:
  explicit GrammarMatcher(std::shared_ptr<const Grammar> grammar);

  // Consumes the bytes if the grammar allows them (state unchanged and false otherwise).
  bool accept(std::string_view bytes);
  // Whether the grammar would allow these bytes next (state unchanged).
  bool allows(std::string_view bytes);
  // The output may end here.
  bool can_end() const { return state_.accepting; }
  // The output must end here: nothing more can follow.
  bool complete() const { return state_.stacks.empty(); }
  const MatchState& state() const { return state_; }
  GrammarStacks& stacks() { return stacks_; }

 private:
  GrammarStacks stacks_;
  MatchState state_;
  MatchState trial_;
};

}  // namespace minke
