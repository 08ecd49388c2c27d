// GrammarMatcher: see grammar_matcher.h.
#include "grammar/grammar_matcher.h"

#include <algorithm>

#include "core/check.h"

namespace minke {

GrammarStacks::GrammarStacks(std::shared_ptr<const Grammar> grammar)
    : grammar_(std::move(grammar)) {}

int32_t GrammarStacks::intern(int32_t pos, int32_t parent) {
  const uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(pos)) << 32) | static_cast<uint32_t>(parent + 1);
  const auto [it, inserted] = index_.try_emplace(key, static_cast<int32_t>(nodes_.size()));
  if (inserted) nodes_.push_back({pos, parent});
  return it->second;
}

// Follows rule calls and rule ends from (pos, parent) until every path stands on a byte
// element (a stack for `out`) or has finished the root (out.accepting).
void GrammarStacks::closure(int32_t pos, int32_t parent, MatchState& out) {
  const Grammar& g = *grammar_;
  work_.clear();
  work_.emplace_back(pos, parent);
  while (!work_.empty()) {
    auto [p, up] = work_.back();
    work_.pop_back();
    if (!first_visit(p, up)) continue;
    const Element& e = g.elements[static_cast<size_t>(p)];
    switch (e.kind) {
      case ElementKind::kBytes:
        out.stacks.push_back(intern(p, up));
        break;
      case ElementKind::kEnd:
        if (up < 0) {
          out.accepting = true;
        } else {
          const Node n = nodes_[static_cast<size_t>(up)];
          work_.emplace_back(n.pos, n.parent);
        }
        break;
      case ElementKind::kRule: {
        // A call in tail position returns straight to our caller: push nothing.
        const bool tail = g.elements[static_cast<size_t>(p) + 1].kind == ElementKind::kEnd;
        const int32_t ret = tail ? up : intern(p + 1, up);
        for (const int32_t start : g.alternatives[static_cast<size_t>(e.arg)]) {
          work_.emplace_back(start, ret);
        }
        break;
      }
    }
  }
}

void GrammarStacks::clear_visited() {
  n_visited_ = 0;
  if (++stamp_ == 0) {  // the stamp wrapped: old entries could look current
    std::fill(visited_stamp_.begin(), visited_stamp_.end(), 0);
    stamp_ = 1;
  }
}

bool GrammarStacks::first_visit(int32_t pos, int32_t parent) {
  if (2 * (n_visited_ + 1) > visited_keys_.size()) {
    // Grow and re-insert this advance's entries.
    std::vector<uint64_t> old_keys;
    for (size_t i = 0; i < visited_keys_.size(); ++i) {
      if (visited_stamp_[i] == stamp_) old_keys.push_back(visited_keys_[i]);
    }
    const size_t size = std::max<size_t>(64, visited_keys_.size() * 2);
    visited_keys_.assign(size, 0);
    visited_stamp_.assign(size, 0);
    for (const uint64_t k : old_keys) {
      size_t i = (k * 0x9E3779B97F4A7C15ull) >> 20 & (size - 1);
      while (visited_stamp_[i] == stamp_) i = (i + 1) & (size - 1);
      visited_keys_[i] = k;
      visited_stamp_[i] = stamp_;
    }
  }
  const uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(pos)) << 32) | static_cast<uint32_t>(parent + 1);
  const size_t mask = visited_keys_.size() - 1;
  size_t i = (key * 0x9E3779B97F4A7C15ull) >> 20 & mask;
  while (visited_stamp_[i] == stamp_) {
    if (visited_keys_[i] == key) return false;
    i = (i + 1) & mask;
  }
  visited_keys_[i] = key;
  visited_stamp_[i] = stamp_;
  ++n_visited_;
  return true;
}

MatchState GrammarStacks::initial() {
  MatchState s;
  clear_visited();
  for (const int32_t start : grammar_->alternatives[static_cast<size_t>(grammar_->root)]) {
    closure(start, -1, s);
  }
  std::sort(s.stacks.begin(), s.stacks.end());
  s.stacks.erase(std::unique(s.stacks.begin(), s.stacks.end()), s.stacks.end());
  return s;
}

bool GrammarStacks::stack_accepts(int32_t node, uint8_t byte) const {
  const Element& e = grammar_->elements[static_cast<size_t>(nodes_[static_cast<size_t>(node)].pos)];
  return grammar_->byte_sets[static_cast<size_t>(e.arg)].has(byte);
}

void GrammarStacks::advance(const MatchState& from, uint8_t byte, MatchState& to) {
  MINKE_DCHECK(&from != &to);
  to.stacks.clear();
  to.accepting = false;
  clear_visited();
  for (size_t i = 0; i < from.stacks.size(); ++i) {
    const int32_t node = from.stacks[i];
    if (!stack_accepts(node, byte)) continue;
    const Node n = nodes_[static_cast<size_t>(node)];
    closure(n.pos + 1, n.parent, to);
  }
  if (to.stacks.size() > 1) {
    std::sort(to.stacks.begin(), to.stacks.end());
    to.stacks.erase(std::unique(to.stacks.begin(), to.stacks.end()), to.stacks.end());
  }
}

bool GrammarStacks::advance_all(MatchState& state, std::string_view bytes) {
  for (const char c : bytes) {
    if (state.stacks.empty()) return false;  // finished, or dead: no byte can follow
    advance(state, static_cast<uint8_t>(c), scratch_);
    std::swap(state, scratch_);
  }
  return !state.dead();
}

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar)
    : stacks_(std::move(grammar)), state_(stacks_.initial()) {}

bool GrammarMatcher::allows(std::string_view bytes) {
  trial_ = state_;
  return stacks_.advance_all(trial_, bytes);
}

bool GrammarMatcher::accept(std::string_view bytes) {
  if (!allows(bytes)) return false;
  std::swap(state_, trial_);
  return true;
}

bool grammar_matches(const Grammar& grammar, std::string_view text) {
  // The matcher shares the grammar without owning it: tests and tools hold it alive.
  GrammarMatcher m(std::shared_ptr<const Grammar>(&grammar, [](const Grammar*) {}));
  return m.accept(text) && m.can_end();
}

}  // namespace minke
