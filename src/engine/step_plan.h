// StepPlan: the scheduler's plain-data decision for one forward step (which sequences, which
// tokens at which positions, whose next token to sample), and StepOutput, what the runner
// returns. Neither holds tensors (vLLM's SchedulerOutput / ModelRunnerOutput split).
#pragma once

#include <cstdint>
#include <vector>

namespace minke {

class Sampler;

struct StepItem {
  int64_t request_id = 0;
  int32_t kv_seq = 0;           // KV cache sequence slot
  int32_t pos0 = 0;             // position of tokens[0]
  std::vector<int32_t> tokens;  // fed this step, consecutive positions
  Sampler* sampler = nullptr;   // non-null: sample the token after the last one
};

struct StepPlan {
  std::vector<StepItem> items;

  bool empty() const { return items.empty(); }
  int32_t n_tokens() const {
    int32_t n = 0;
    for (const StepItem& it : items) n += static_cast<int32_t>(it.tokens.size());
    return n;
  }
};

struct StepOutput {
  std::vector<int32_t> sampled;  // per plan item: the sampled token, or -1
};

}  // namespace minke
