// Runner: see runner.h. The batch keeps each sequence's tokens consecutive and in position
// order, as Model::forward requires; the KV blocks were reserved by the scheduler.
#include "engine/runner.h"

#include <span>

#include "sample/sampler.h"

namespace minke {

Runner::Runner(Model& model, KvCache& kv) : model_(model), kv_(kv) {}

const StepOutput& Runner::run(const StepPlan& plan) {
  batch_.clear();
  size_t n_rows = 0;
  for (const StepItem& item : plan.items) {
    const std::span<const int32_t> tokens = plan.tokens_of(item);
    for (size_t j = 0; j < tokens.size(); ++j) {
      const int32_t pos = item.pos0 + static_cast<int32_t>(j);
      const bool want = wants_logits(item, pos);
      batch_.add(tokens[j], pos, item.kv_seq, want);
      n_rows += want ? 1 : 0;
    }
  }
  const size_t n_vocab = static_cast<size_t>(model_.config().n_vocab);
  logits_.resize(n_rows * n_vocab);
  model_.forward(batch_, kv_, logits_);

  // Rows come in batch order: each item's wanted positions, ascending.
  out_.sampled.clear();
  size_t row = 0;
  for (const StepItem& item : plan.items) {
    std::span<const float> last;
    for (int32_t j = 0; j < item.n_tokens; ++j) {
      const int32_t pos = item.pos0 + j;
      if (!wants_logits(item, pos)) continue;
      last = std::span<const float>(logits_.data() + row++ * n_vocab, n_vocab);
      if (item.on_logits != nullptr && pos >= item.logits_from) (*item.on_logits)(pos, last);
    }
    out_.sampled.push_back(item.sampler != nullptr ? item.sampler->sample(last) : -1);
  }
  return out_;
}

// A token's logits are computed when its item samples after it (the item's last token) or
// scores it.
bool Runner::wants_logits(const StepItem& item, int32_t pos) {
  const bool last = pos == item.pos0 + item.n_tokens - 1;
  return (last && item.sampler != nullptr) ||
         (item.on_logits != nullptr && item.logits_from >= 0 && pos >= item.logits_from);
}

}  // namespace minke
