// StepPlan: the scheduler's plain-data decision for one forward step (which sequences, which
// tokens at which positions, whose next token to sample), and StepOutput, what the runner
// returns. Neither holds tensors (vLLM's SchedulerOutput / ModelRunnerOutput split).
#pragma once

#include <cstdint>

#include <functional>
#include <span>
#include <vector>
#include "minke/generate.h"

namespace minke {

class Sampler;

struct StepItem {
  int64_t request_id = 0;
  int32_t kv_seq = 0;          // KV cache sequence slot
  int32_t pos0 = 0;            // position of the item's first token
  int32_t first = 0;           // index of that token in StepPlan::tokens
  int32_t n_tokens = 0;        // fed this step, consecutive positions
  Sampler* sampler = nullptr;  // non-null: sample the token after the last one
  // >= 0: the logits of positions from here on go to *on_logits (scoring requests).
  int32_t logits_from = -1;
  int32_t logprobs = -1;  // >= 0: report the sampled token's log-probability and this many tops
  const std::function<void(int32_t, std::span<const float>)>* on_logits = nullptr;
};

// Reused from step to step (clear() keeps the capacity), so planning a step allocates nothing.
struct StepPlan {
  std::vector<StepItem> items;
  std::vector<int32_t> tokens;  // every item's tokens, back to back in item order

  std::span<const int32_t> tokens_of(const StepItem& it) const {
    return std::span<const int32_t>(tokens).subspan(static_cast<size_t>(it.first),
                                                    static_cast<size_t>(it.n_tokens));
  }
  bool empty() const { return items.empty(); }
  int32_t n_tokens() const { return static_cast<int32_t>(tokens.size()); }
  void clear() {
    items.clear();
    tokens.clear();
  }
};

struct StepOutput {
  std::vector<int32_t> sampled;  // per plan item: the sampled token, or -1
  // Per plan item, for items with logprobs >= 0: the sampled token's log-probability and its
  // top alternatives (top[i * kMaxTopLogprobs ...], n_top[i] of them).
  std::vector<float> logprob;
  std::vector<TokenLogprob> top;
  std::vector<int32_t> n_top;
};

}  // namespace minke
