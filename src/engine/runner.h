// Runner: executes a StepPlan: builds the model's Batch (logits only where a token is
// sampled or scored), runs Model::forward once, and samples each request's next token with its
// sampler. The batch, logits and output buffers are reused, so a step allocates nothing once they
// have grown to the largest step seen.
#pragma once

#include <vector>

#include "engine/step_plan.h"
#include "models/model.h"

namespace minke {

class KvCache;

class Runner {
 public:
  Runner(Model& model, KvCache& kv);
  // The output stays valid until the next run().
  const StepOutput& run(const StepPlan& plan);

 private:
  static bool wants_logits(const StepItem& item, int32_t pos);
  int32_t log_probabilities(std::span<const float> logits, int32_t token, int32_t n, float& logprob,
                            TokenLogprob* top);

  Model& model_;
  KvCache& kv_;
  Batch batch_;
  std::vector<float> logits_;  // [rows sampled or scored, n_vocab]
  StepOutput out_;
  std::vector<int32_t> ids_;  // log_probabilities' token order, reused
};

}  // namespace minke
