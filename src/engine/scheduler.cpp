// Scheduler: see scheduler.h. Policy (vLLM v1's): decodes first, one token each, then prefill
// chunks in admission order, then admissions in arrival order, until the token budget is spent.
#include "engine/scheduler.h"

#include <algorithm>

#include "core/check.h"
#include "kv/kv_cache.h"

namespace minke {

Scheduler::Scheduler(KvCache& kv, SchedulerOptions options) : kv_(kv), options_(options) {
  MINKE_CHECK(options_.max_batch_tokens > 0 && options_.max_seqs > 0 && options_.block_size > 0);
  for (int32_t s = options_.max_seqs - 1; s >= 0; --s) free_slots_.push_back(s);
}

Scheduler::~Scheduler() = default;

void Scheduler::add(std::unique_ptr<Sequence> seq) { waiting_.push_back(std::move(seq)); }

bool Scheduler::cancel(int64_t request_id) {
  for (auto& s : running_) {
    if (s->id() == request_id) return s->request_cancel(), true;
  }
  for (auto& s : waiting_) {
    if (s->id() == request_id) return s->request_cancel(), true;
  }
  return false;
}

void Scheduler::fail(int64_t request_id, std::string message) {
  if (Sequence* seq = find_running(request_id)) {
    finish(*seq, FinishReason::kError, std::move(message));
  }
}

void Scheduler::end_all(FinishReason reason, const std::string& error) {
  while (!running_.empty()) finish(*running_.back(), reason, error);
  while (!waiting_.empty()) {
    std::unique_ptr<Sequence> s = std::move(waiting_.front());
    waiting_.pop_front();
    s->finish(reason, error);
  }
}

const StepPlan& Scheduler::plan() {
  retire_cancelled();
  plan_.clear();
  int32_t budget = options_.max_batch_tokens;
  plan_running(plan_, budget, /*decode=*/true);
  plan_running(plan_, budget, /*decode=*/false);
  admit_waiting(plan_, budget);
  return plan_;
}

void Scheduler::retire_cancelled() {
  for (size_t i = running_.size(); i-- > 0;) {
    if (running_[i]->cancel_requested()) finish(*running_[i], FinishReason::kCancelled);
  }
  for (size_t i = waiting_.size(); i-- > 0;) {
    if (waiting_[i]->cancel_requested()) {
      std::unique_ptr<Sequence> s = std::move(waiting_[i]);
      waiting_.erase(waiting_.begin() + static_cast<ptrdiff_t>(i));
      s->finish(FinishReason::kCancelled);
    }
  }
}

// With recurrent state, a prefill chunk that would end inside a block ends at the last block
// boundary before that instead (the rest comes next step): the state there is snapshotted for
// the prefix cache, since it cannot be cut back to it later.
int32_t Scheduler::prefill_chunk(const Sequence& seq, int32_t n) const {
  if (!kv_.has_state() || !options_.prefix_cache || n <= 1) return n;
  const int32_t bs = options_.block_size;
  const int32_t end = seq.n_computed() + n;
  const int32_t boundary = end / bs * bs;
  return boundary > seq.n_computed() && boundary < end ? boundary - seq.n_computed() : n;
}

void Scheduler::plan_running(StepPlan& plan, int32_t& budget, bool decode) {
  // Iterate over a snapshot: make_room may move sequences from running_ to waiting_.
  order_.clear();
  for (auto& s : running_) order_.push_back(s.get());
  for (Sequence* seq : order_) {
    if (budget == 0) return;
    if (seq->kv_seq < 0 || (seq->n_pending() == 1) != decode || !seq->ready()) continue;
    const int32_t n = prefill_chunk(*seq, std::min(seq->n_pending(), budget));
    if (!make_room(*seq, n, plan)) continue;
    add_item(plan, *seq, n);
    budget -= n;
  }
}

void Scheduler::admit_waiting(StepPlan& plan, int32_t& budget) {
  while (!waiting_.empty() && budget > 0 && !free_slots_.empty()) {
    Sequence& seq = *waiting_.front();
    seq.kv_seq = free_slots_.back();
    // The last token is always computed: its logits give the next one.
    if (options_.prefix_cache) {
      seq.set_cached(kv_.match_prefix(seq.kv_seq, seq.tokens(), seq.n_pending() - 1));
    }
    const int32_t n = prefill_chunk(seq, std::min(seq.n_pending(), budget));
    if (blocks_needed(seq, n) > kv_.n_free_blocks()) {  // wait for blocks to free up
      kv_.remove(seq.kv_seq);
      seq.kv_seq = -1;
      seq.reset_computed();
      return;
    }
    free_slots_.pop_back();
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
    add_item(plan, seq, n);
    budget -= n;
  }
}

// Ensures the cache can take n more tokens of seq, preempting the youngest running sequences
// not yet in this step's plan; preempts seq itself (false) when nothing else can give way.
bool Scheduler::make_room(Sequence& seq, int32_t n, const StepPlan& plan) {
  const auto planned = [&](const Sequence* s) {
    return std::any_of(plan.items.begin(), plan.items.end(),
                       [&](const StepItem& it) { return it.request_id == s->id(); });
  };
  while (blocks_needed(seq, n) > kv_.n_free_blocks()) {
    Sequence* victim = nullptr;
    for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
      if (it->get() != &seq && !planned(it->get())) {
        victim = it->get();
        break;
      }
    }
    if (victim == nullptr) {
      preempt(seq);
      return false;
    }
    preempt(*victim);
  }
  return true;
}

// Recompute preemption: drop the KV, requeue at the front; its tokens are fed again later.
void Scheduler::preempt(Sequence& seq) {
  kv_.remove(seq.kv_seq);
  free_slots_.push_back(seq.kv_seq);
  seq.kv_seq = -1;
  seq.reset_computed();
  auto it = std::find_if(running_.begin(), running_.end(),
                         [&](const auto& s) { return s.get() == &seq; });
  MINKE_CHECK(it != running_.end());
  waiting_.push_front(std::move(*it));
  running_.erase(it);
}

int32_t Scheduler::blocks_needed(const Sequence& seq, int32_t n) const {
  const int32_t bs = options_.block_size;
  const int32_t have =
      seq.kv_seq < 0 ? 0 : static_cast<int32_t>(kv_.block_table(seq.kv_seq).size());
  const int32_t need = (seq.n_computed() + n + bs - 1) / bs;
  return std::max(0, need - have);
}

void Scheduler::add_item(StepPlan& plan, Sequence& seq, int32_t n) {
  kv_.reserve(seq.kv_seq, seq.n_computed() + n);
  const int32_t pos0 = seq.n_computed();
  const auto first = seq.tokens().begin() + pos0;
  const bool sample = n == seq.n_pending() && !seq.score_only();
  plan.items.push_back(StepItem{.request_id = seq.id(),
                                .kv_seq = seq.kv_seq,
                                .pos0 = pos0,
                                .first = plan.n_tokens(),
                                .n_tokens = n,
                                .sampler = sample ? &seq.sampler() : nullptr,
                                .logits_from = seq.logits_from(),
                                .logprobs = seq.logprobs(),
                                .on_logits = seq.logits_from() >= 0 ? &seq.on_logits() : nullptr});
  plan.tokens.insert(plan.tokens.end(), first, first + n);
}

void Scheduler::update(const StepPlan& plan, const StepOutput& output) {
  MINKE_CHECK(output.sampled.size() == plan.items.size());
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const StepItem& item = plan.items[i];
    Sequence* seq = find_running(item.request_id);
    MINKE_CHECK(seq != nullptr);
    seq->mark_computed(item.n_tokens);
    if (options_.prefix_cache) kv_.commit(seq->kv_seq, seq->tokens(), seq->n_computed());
    if (seq->score_only() && seq->n_pending() == 0) {
      finish(*seq, FinishReason::kStop);
      continue;
    }
    if (output.sampled[i] < 0) continue;
    const bool lp = item.logprobs >= 0;
    const TokenLogprobs logprobs{
        .logprob = lp ? &output.logprob[i] : nullptr,
        .top = lp ? std::span<const TokenLogprob>(output.top)
                        .subspan(i * kMaxTopLogprobs, size_t(output.n_top[i]))
                  : std::span<const TokenLogprob>()};
    if (const auto reason = seq->accept(output.sampled[i], logprobs)) finish(*seq, *reason);
  }
}

void Scheduler::finish(Sequence& seq, FinishReason reason, std::string error) {
  kv_.remove(seq.kv_seq);
  free_slots_.push_back(seq.kv_seq);
  seq.kv_seq = -1;
  auto it = std::find_if(running_.begin(), running_.end(),
                         [&](const auto& s) { return s.get() == &seq; });
  MINKE_CHECK(it != running_.end());
  std::unique_ptr<Sequence> done = std::move(*it);
  running_.erase(it);
  done->finish(reason, std::move(error));
}

Sequence* Scheduler::find_running(int64_t request_id) {
  for (auto& s : running_) {
    if (s->id() == request_id) return s.get();
  }
  return nullptr;
}

}  // namespace minke
