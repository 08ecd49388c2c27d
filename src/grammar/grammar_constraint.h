// GrammarConstraint: the TokenFilter for one constrained output. Asked about one token it runs
// that token's bytes through the grammar; asked for a whole mask it walks the vocabulary in
// byte order, sharing the work for common prefixes and skipping every token under a prefix the
// grammar rejects, and remembers the last few masks by grammar state (inside a JSON string or a
// number the state repeats token after token).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "grammar/dfa_cache.h"
#include "grammar/grammar.h"
#include "grammar/grammar_matcher.h"
#include "grammar/token_table.h"
#include "sample/token_filter.h"

namespace minke {

class GrammarConstraint final : public TokenFilter {
 public:
  GrammarConstraint(std::shared_ptr<const Grammar> grammar,
                    std::shared_ptr<const TokenTable> tokens);

  // End-of-generation tokens are allowed exactly when the output may end; control tokens and
  // ids outside the table never.
  bool allows(int32_t token) override;
  void mask(std::span<float> logits) override;
  bool mask_ready() override;
  std::span<const uint64_t> allowed_words(size_t& count) override;

  // Advances past a chosen token; false (nothing changes) when the grammar does not allow it.
  bool accept(int32_t token);
  // Nothing but the end of generation may follow.
  bool complete() const { return matcher_.complete(); }
  bool can_end() const { return matcher_.can_end(); }

  // The allowed tokens now, one bit per id (end-of-generation ids included when allowed).
  const std::vector<uint64_t>& allowed_bits();

 private:
  void compute(std::vector<uint64_t>& bits);
  // The current state's number in the DFA cache.
  int32_t current_state();

  struct CachedMask {
    MatchState state;
    std::vector<uint64_t> bits;
    size_t count = 0;  // bits set
    uint64_t last_used = 0;
  };
  static constexpr size_t kCachedMasks = 8;
  // The current state's mask, computed on a miss.
  CachedMask& cached_mask();

  GrammarMatcher matcher_;
  std::shared_ptr<const TokenTable> tokens_;
  std::vector<CachedMask> cache_;
  uint64_t clock_ = 0;
  DfaCache dfa_;  // states and transitions the walks have met
  static constexpr int32_t kUnknownState = -2;
  int32_t current_ = kUnknownState;  // current_state(), until the next accept or trim
  std::vector<int32_t> depth_;       // the vocabulary walk's state per byte depth
};

}  // namespace minke
