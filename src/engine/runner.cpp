// Runner: see runner.h. The batch keeps each sequence's tokens consecutive and in position
// order, as Model::forward requires; the KV blocks were reserved by the scheduler.
#include "engine/runner.h"

#include <span>

#include "sample/sampler.h"

namespace minke {

Runner::Runner(Model& model, KvCache& kv) : model_(model), kv_(kv) {}

const StepOutput& Runner::run(const StepPlan& plan) {
  batch_.clear();
  size_t n_sampled = 0;
  for (const StepItem& item : plan.items) {
    const std::span<const int32_t> tokens = plan.tokens_of(item);
    for (size_t j = 0; j < tokens.size(); ++j) {
      const bool last = j + 1 == tokens.size();
      batch_.add(tokens[j], item.pos0 + static_cast<int32_t>(j), item.kv_seq,
                 last && item.sampler != nullptr);
    }
    if (item.sampler != nullptr) ++n_sampled;
  }
  const size_t n_vocab = static_cast<size_t>(model_.config().n_vocab);
  logits_.resize(n_sampled * n_vocab);
  model_.forward(batch_, kv_, logits_);

  out_.sampled.clear();
  size_t row = 0;
  for (const StepItem& item : plan.items) {
    if (item.sampler == nullptr) {
      out_.sampled.push_back(-1);
      continue;
    }
    const std::span<const float> logits(logits_.data() + row * n_vocab, n_vocab);
    out_.sampled.push_back(item.sampler->sample(logits));
    ++row;
  }
  return out_;
}

}  // namespace minke
