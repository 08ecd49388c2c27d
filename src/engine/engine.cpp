// Engine: see engine.h. Submissions and cancellations arrive under a mutex and are handed to
// the scheduler at the start of each step, so the step itself runs without locks.
#include "engine/engine.h"

#include <string>

#include "core/check.h"
#include "kv/kv_cache.h"
#include "minke/error.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

namespace minke {

Engine::Engine(Model& model, KvCache& kv, const Tokenizer& tokenizer, EngineOptions options)
    : model_(model),
      tokenizer_(tokenizer),
      options_(options),
      scheduler_(kv, SchedulerOptions{.max_batch_tokens = options.max_batch_tokens,
                                      .max_seqs = options.max_seqs,
                                      .block_size = options.block_size,
                                      .prefix_cache = options.prefix_cache}),
      runner_(model, kv),
      kv_(kv) {
  // One whole sequence must always fit, or a lone request could wait forever.
  MINKE_CHECK(kv.n_free_blocks() >= (options.n_ctx + options.block_size - 1) / options.block_size);
  publish_stats();
}

Engine::~Engine() = default;

int32_t Engine::kv_blocks_needed(const EngineOptions& o) {
  if (o.kv_tokens <= 0) return (o.n_ctx + o.block_size - 1) / o.block_size * o.max_seqs;
  return static_cast<int32_t>((o.kv_tokens + o.block_size - 1) / o.block_size);
}

int64_t Engine::submit(Request request) {
  const auto n = static_cast<int32_t>(request.prompt.size());
  if (n == 0) throw Error("the prompt is empty: nothing to continue from");
  // A generating request needs room for at least one token after its prompt.
  if (n >= options_.n_ctx + (request.max_tokens == 0 ? 1 : 0)) {
    throw Error("the prompt is " + std::to_string(n) + " tokens but the context holds " +
                std::to_string(options_.n_ctx) +
                " (prompt and answer together): shorten the prompt or raise the context size "
                "(-c/--ctx-size)");
  }
  const int32_t n_vocab = model_.config().n_vocab;
  for (const int32_t t : request.prompt) {
    if (t < 0 || t >= n_vocab) {
      throw Error("prompt token id " + std::to_string(t) + " is outside the vocabulary [0, " +
                  std::to_string(n_vocab) + ")");
    }
  }
  std::shared_ptr<const TokenTable> tokens = request.grammar ? token_table() : nullptr;
  std::lock_guard lock(mutex_);
  const int64_t id = next_id_++;
  incoming_.push_back(std::make_unique<Sequence>(id, std::move(request), tokenizer_, n_vocab,
                                                 options_.n_ctx, std::move(tokens)));
  return id;
}

std::shared_ptr<const TokenTable> Engine::token_table() {
  std::call_once(token_table_once_, [&] { token_table_ = TokenTable::from_tokenizer(tokenizer_); });
  return token_table_;
}

void Engine::cancel(int64_t request_id) {
  std::lock_guard lock(mutex_);
  cancels_.push_back(request_id);
}

void Engine::take_incoming() {
  std::lock_guard lock(mutex_);
  for (auto& s : incoming_) scheduler_.add(std::move(s));
  incoming_.clear();
  for (const int64_t id : cancels_) scheduler_.cancel(id);
  cancels_.clear();
}

bool Engine::step() {
  run_step();
  return has_work();
}

bool Engine::run_step() {
  take_incoming();
  const StepPlan& plan = scheduler_.plan();
  if (plan.empty()) {
    publish_stats();
    return false;
  }
  // Only the forward pass is retried item by item: an exception from applying the output
  // (a hook) must not apply it twice, and goes to the caller.
  const StepOutput* output = nullptr;
  try {
    output = &runner_.run(plan);
  } catch (const std::exception&) {
    output = nullptr;
  }
  if (output != nullptr) {
    scheduler_.update(plan, *output);
  } else {
    run_items_alone(plan);
  }
  ++steps_;
  publish_stats();
  return true;
}

void Engine::publish_stats() {
  std::lock_guard lock(stats_mutex_);
  stats_.waiting = static_cast<int32_t>(scheduler_.n_waiting());
  stats_.running = static_cast<int32_t>(scheduler_.n_running());
  stats_.kv_blocks = kv_.n_blocks();
  stats_.kv_blocks_free = kv_.n_free_blocks();
  stats_.kv_blocks_cached = kv_.n_cached_blocks();
  stats_.block_size = kv_.layout().block_size;
  stats_.prefix_hit_tokens = kv_.prefix_hit_tokens();
  stats_.prefix_query_tokens = kv_.prefix_query_tokens();
  stats_.steps = steps_;
}

EngineStats Engine::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

// The batch failed as a whole: each request's part runs alone (its tokens and positions are
// the same, so a request that succeeds gets the logits it would have had in the batch), and
// the requests whose part fails alone end with the error.
void Engine::run_items_alone(const StepPlan& plan) {
  merged_.sampled.assign(plan.items.size(), -1);
  std::vector<std::pair<int64_t, std::string>> failed;
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const StepItem& item = plan.items[i];
    single_.clear();
    single_.items.push_back(item);
    single_.items.back().first = 0;
    const std::span<const int32_t> tokens = plan.tokens_of(item);
    single_.tokens.assign(tokens.begin(), tokens.end());
    try {
      merged_.sampled[i] = runner_.run(single_).sampled[0];
    } catch (const std::exception& e) {
      failed.emplace_back(item.request_id, e.what());
    }
  }
  scheduler_.update(plan, merged_);
  for (auto& [id, message] : failed) scheduler_.fail(id, "the model failed: " + message);
}

void Engine::end_all(FinishReason reason, const std::string& error) {
  take_incoming();
  scheduler_.end_all(reason, error);
}

void Engine::run_until_idle() {
  while (step()) {
  }
}

bool Engine::has_work() {
  std::lock_guard lock(mutex_);
  return scheduler_.has_work() || !incoming_.empty() || !cancels_.empty();
}

}  // namespace minke
