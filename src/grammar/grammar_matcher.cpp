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
    const auto seen = std::make_pair(p, up);
    if (std::find(visited_.begin(), visited_.end(), seen) != visited_.end()) continue;
    visited_.push_back(seen);
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

MatchState GrammarStacks::initial() {
  MatchState s;
  visited_.clear();
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
  visited_.clear();
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
