// Sampler: picks the next token from a row of logits with llama.cpp's default chain
// (penalties -> top-k -> top-p -> min-p -> temperature -> draw), reproducibly from a seed.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "minke/generate.h"
#include "sample/candidates.h"
#include "sample/penalties.h"
#include "sample/rng.h"
#include "sample/token_filter.h"

namespace minke {

// SamplerParams::seed value asking for a fresh seed from std::random_device (like llama.cpp's
// LLAMA_DEFAULT_SEED; a CLI's "--seed -1" converts to it). Sampler::seed() tells the one used.
inline constexpr uint64_t kRandomSeed = std::numeric_limits<uint64_t>::max();

// Largest penalty window accepted; the window's buffers are allocated up front. The public
// API's limit (minke/generate.h) is this one.
inline constexpr int32_t kMaxPenaltyLastN = kMaxRepeatLastN;

// Defaults follow llama.cpp's common_params_sampling.
struct SamplerParams {
  float temperature = 0.8f;     // <= 0: greedy (argmax of the penalised logits, ties to lowest id)
  int32_t top_k = 40;           // <= 0: disabled
  float top_p = 0.95f;          // in (0, 1]; 1: disabled
  float min_p = 0.05f;          // in [0, 1]; 0: disabled
  float repeat_penalty = 1.0f;  // > 0; 1: disabled
  float frequency_penalty = 0.0f;  // subtracted once per occurrence in the window
  float presence_penalty = 0.0f;   // subtracted once if the token is in the window
  int32_t penalty_last_n = 64;     // window size in [0, kMaxPenaltyLastN]; 0: no penalties
  uint64_t seed = kRandomSeed;
};

class Sampler {
 public:
  // Throws minke::Error naming the offending field when a parameter is out of range or n_vocab
  // is not positive. Allocates everything sampling needs (O(n_vocab + penalty_last_n)).
  Sampler(const SamplerParams& params, int32_t n_vocab);

  // Picks a token from logits[n_vocab] (NaN and -inf entries are never picked). Does not record
  // the token: call accept() with it. Throws minke::Error only when no logit is usable (all NaN
  // or -inf), which means the model produced garbage. Allocation-free.
  int32_t sample(std::span<const float> logits);

  // Constrains every later sample() to the tokens the filter allows (nullptr: none). The
  // result is exactly that of masking the row first: greedy checks only the argmax, top-k walks
  // the best-ranked tokens until k are allowed, and the whole row is masked only when that
  // fails or no top-k is set. The filter must outlive its use.
  void set_filter(TokenFilter* filter) { filter_ = filter; }

  // Records a token in the penalty window (generated tokens, and prompt tokens if they should
  // count too). Throws minke::Error for an id outside [0, n_vocab).
  void accept(int32_t token);

  // Empties the penalty window and restarts the random stream from seed(), so the same calls
  // after reset() give the same tokens again.
  void reset();

  // The seed in use: params.seed, or the one drawn from std::random_device for kRandomSeed.
  uint64_t seed() const { return seed_; }
  const SamplerParams& params() const { return params_; }
  int32_t n_vocab() const { return n_vocab_; }

 private:
  bool penalties_active() const;
  int32_t sample_filtered(std::span<const float> row);
  // The row with the filter's mask applied (in penalized_).
  std::span<const float> masked(std::span<const float> row);
  // top-p, min-p, temperature and the draw over the loaded candidates.
  int32_t draw_from_candidates();
  [[noreturn]] void throw_no_usable_logit() const;
  [[noreturn]] void throw_nothing_allowed() const;

  SamplerParams params_;  // seed resolved
  int32_t n_vocab_;
  uint64_t seed_;
  Rng rng_;
  PenaltyWindow window_;
  CandidateSet candidates_;
  TokenFilter* filter_ = nullptr;
  std::vector<float> penalized_;  // [n_vocab]: the row with penalties (and a filter's mask) applied
};

}  // namespace minke
