// Runner: executes a StepPlan: builds the model's Batch (logits only where a token is
// sampled), runs Model::forward once, and samples each request's next token with its sampler.
#pragma once

#include <vector>

#include "engine/step_plan.h"
#include "models/model.h"

namespace minke {

class KvCache;

class Runner {
 public:
  Runner(Model& model, KvCache& kv);
  StepOutput run(const StepPlan& plan);

 private:
  Model& model_;
  KvCache& kv_;
  Batch batch_;
  std::vector<float> logits_;  // [n_sampled, n_vocab]
};

}  // namespace minke
