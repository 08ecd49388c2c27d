// GrammarConstraint: see grammar_constraint.h.
#include "grammar/grammar_constraint.h"

#include <algorithm>
#include <limits>

namespace minke {

GrammarConstraint::GrammarConstraint(std::shared_ptr<const Grammar> grammar,
                                     std::shared_ptr<const TokenTable> tokens)
    : matcher_(std::move(grammar)), tokens_(std::move(tokens)), dfa_(matcher_.stacks()) {
  depth_.resize(tokens_->max_length() + 1);
}

int32_t GrammarConstraint::current_state() {
  if (current_ == kUnknownState) current_ = dfa_.intern(matcher_.state());
  return current_;
}

// Through the DFA cache: after the first steps each byte is a table lookup.
bool GrammarConstraint::allows(int32_t token) {
  if (token < 0 || token >= tokens_->n_vocab()) return false;
  if (tokens_->is_eog(token)) return matcher_.can_end();
  const std::string_view bytes = tokens_->bytes(token);
  if (bytes.empty() || bytes.size() >= TokenTable::kMaxTokenBytes) return false;
  int32_t s = current_state();
  for (const char c : bytes) {
    s = dfa_.step(s, static_cast<uint8_t>(c));
    if (s == DfaCache::kDead) return false;
  }
  return true;
}

bool GrammarConstraint::accept(int32_t token) {
  if (!allows(token)) return false;
  if (!tokens_->is_eog(token)) matcher_.accept(tokens_->bytes(token));
  current_ = kUnknownState;
  return true;
}

bool GrammarConstraint::mask_ready() {
  return std::any_of(cache_.begin(), cache_.end(),
                     [&](const CachedMask& c) { return c.state == matcher_.state(); });
}

// Walks the tokens in byte order. depth_[d] is the state after the first d bytes of the
// current token; the next token reuses the states of the prefix it shares. When the state dies
// at depth d, every following token with the same first d bytes is rejected unseen. States and
// their byte transitions come from the DFA cache, so a repeated state costs a lookup.
void GrammarConstraint::compute(std::vector<uint64_t>& bits) {
  const std::vector<int32_t>& sorted = tokens_->sorted();
  const std::vector<uint16_t>& shared = tokens_->shared_prefix();
  bits.assign((static_cast<size_t>(tokens_->n_vocab()) + 63) / 64, 0);
  if (dfa_.trim()) current_ = kUnknownState;
  depth_[0] = current_state();
  size_t valid = 0;  // depth_[0..valid] hold states along the previous token's bytes
  size_t i = 0;
  while (i < sorted.size()) {
    const int32_t id = sorted[i];
    const std::string_view b = tokens_->bytes(id);
    size_t d = std::min<size_t>(shared[i], valid);
    bool dead = false;
    while (d < b.size()) {
      depth_[d + 1] = dfa_.step(depth_[d], static_cast<uint8_t>(b[d]));
      ++d;
      if (depth_[d] == DfaCache::kDead) {
        dead = true;
        break;
      }
    }
    valid = d;
    ++i;
    if (!dead) {
      bits[static_cast<size_t>(id) >> 6] |= uint64_t{1} << (id & 63);
      continue;
    }
    while (i < sorted.size() && shared[i] >= d) ++i;
  }
  if (matcher_.can_end()) {
    for (const int32_t id : tokens_->eog()) {
      bits[static_cast<size_t>(id) >> 6] |= uint64_t{1} << (id & 63);
    }
  }
}

const std::vector<uint64_t>& GrammarConstraint::allowed_bits() { return cached_mask().bits; }

std::span<const uint64_t> GrammarConstraint::allowed_words(size_t& count) {
  const CachedMask& c = cached_mask();
  count = c.count;
  return c.bits;
}

GrammarConstraint::CachedMask& GrammarConstraint::cached_mask() {
  ++clock_;
  for (CachedMask& c : cache_) {
    if (c.state == matcher_.state()) {
      c.last_used = clock_;
      return c;
    }
  }
  CachedMask* slot;
  if (cache_.size() < kCachedMasks) {
    slot = &cache_.emplace_back();
  } else {
    slot = &*std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
      return a.last_used < b.last_used;
    });
  }
  slot->state = matcher_.state();
  slot->last_used = clock_;
  compute(slot->bits);
  slot->count = 0;
  for (const uint64_t w : slot->bits) slot->count += static_cast<size_t>(__builtin_popcountll(w));
  return *slot;
}

void GrammarConstraint::mask(std::span<float> logits) {
  const std::vector<uint64_t>& bits = allowed_bits();
  const auto n = std::min(logits.size(), static_cast<size_t>(tokens_->n_vocab()));
  constexpr float kNever = -std::numeric_limits<float>::infinity();
  for (size_t t = 0; t < n; ++t) {
    if (((bits[t >> 6] >> (t & 63)) & 1) == 0) logits[t] = kNever;
  }
  for (size_t t = n; t < logits.size(); ++t) logits[t] = kNever;
}

}  // namespace minke
