// Runner: see runner.h. The batch keeps each sequence's tokens consecutive and in position
// order, as Model::forward requires; the KV blocks were reserved by the scheduler.
#include "engine/runner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
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
  out_.logprob.assign(plan.items.size(), 0.0f);
  out_.n_top.assign(plan.items.size(), 0);
  if (out_.top.size() < plan.items.size() * kMaxTopLogprobs) {
    out_.top.resize(plan.items.size() * kMaxTopLogprobs);
  }
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
    if (item.sampler != nullptr && item.logprobs >= 0) {
      const size_t i = out_.sampled.size() - 1;
      out_.n_top[i] = log_probabilities(last, out_.sampled[i], item.logprobs, out_.logprob[i],
                                        &out_.top[i * kMaxTopLogprobs]);
    }
  }
  return out_;
}

// The sampled token's log-softmax and the n most likely tokens (ties: lower id first) from one
// logits row. O(n_vocab); only for requests that ask.
int32_t Runner::log_probabilities(std::span<const float> logits, int32_t token, int32_t n,
                                  float& logprob, TokenLogprob* top) {
  float max = -std::numeric_limits<float>::infinity();
  for (const float x : logits) max = std::max(max, x);
  double sum = 0;
  for (const float x : logits) sum += std::exp(static_cast<double>(x - max));
  const double log_z = static_cast<double>(max) + std::log(sum);
  logprob = static_cast<float>(static_cast<double>(logits[static_cast<size_t>(token)]) - log_z);
  n = std::clamp<int32_t>(n, 0, std::min<int32_t>(kMaxTopLogprobs, int32_t(logits.size())));
  if (n == 0) return 0;
  ids_.resize(logits.size());
  std::iota(ids_.begin(), ids_.end(), 0);
  const auto better = [&](int32_t a, int32_t b) {
    return logits[size_t(a)] > logits[size_t(b)] ||
           (logits[size_t(a)] == logits[size_t(b)] && a < b);
  };
  std::partial_sort(ids_.begin(), ids_.begin() + n, ids_.end(), better);
  for (int32_t k = 0; k < n; ++k) {
    const int32_t id = ids_[static_cast<size_t>(k)];
    top[k] = {id, static_cast<float>(static_cast<double>(logits[size_t(id)]) - log_z)};
  }
  return n;
}

// A token's logits are computed when its item samples after it (the item's last token) or
// scores it.
bool Runner::wants_logits(const StepItem& item, int32_t pos) {
  const bool last = pos == item.pos0 + item.n_tokens - 1;
  return (last && item.sampler != nullptr) ||
         (item.on_logits != nullptr && item.logits_from >= 0 && pos >= item.logits_from);
}

}  // namespace minke
