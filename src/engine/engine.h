// Engine: the one inference loop the CLI, the server and the library drive. submit() queues a
// request; each step() is Scheduler::plan() -> Runner::run() -> Scheduler::update(). Requests
// share steps (continuous batching); cancel() and Request::cancel stop one at the next step.
// A step whose forward pass throws is run again one request at a time, so only the request
// that cannot be computed ends (FinishReason::kError) and the others go on. EngineLoop runs
// the steps on a thread of their own.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/request.h"
#include "engine/runner.h"
#include "engine/scheduler.h"
#include "grammar/token_table.h"
#include "kv/kv_cache.h"

namespace minke {

class Model;
class Tokenizer;

struct EngineOptions {
  int32_t n_ctx = 4096;               // tokens per sequence (prompt + generated)
  int32_t max_batch_tokens = 512;     // tokens per forward step
  int32_t max_seqs = 1;               // sequences decoded together
  int32_t block_size = kKvBlockSize;  // the KV cache's block size
  bool prefix_cache = true;           // reuse the K/V of prompt prefixes seen before
  // The KV pool all sequences share, in tokens; 0: max_seqs * n_ctx. At least n_ctx (one
  // whole sequence must fit); below max_seqs * n_ctx, requests wait or are preempted when the
  // pool runs dry instead of each holding a fixed share.
  int64_t kv_tokens = 0;
};

// A snapshot of the engine's state, published after every step (any thread may read it).
struct EngineStats {
  int32_t waiting = 0;  // requests queued, not yet admitted (or preempted)
  int32_t running = 0;  // requests admitted (their K/V in the cache)
  int32_t kv_blocks = 0, kv_blocks_free = 0, kv_blocks_cached = 0;  // cached: free for reuse
  int32_t block_size = 0;
  int64_t prefix_hit_tokens = 0, prefix_query_tokens = 0;
  int64_t steps = 0;
};

class Engine {
 public:
  // The KV cache must hold at least one sequence of n_ctx tokens (see kv_blocks_needed).
  Engine(Model& model, KvCache& kv, const Tokenizer& tokenizer, EngineOptions options);
  ~Engine();

  // Validates and queues a request; returns its id. Throws minke::Error for an empty prompt,
  // a prompt that does not fit the context, token ids out of range or bad sampling options.
  // Thread-safe.
  int64_t submit(Request request);
  // Stops a request at the next step (on_finish reports kCancelled). Thread-safe.
  void cancel(int64_t request_id);
  // Runs one step; returns whether work remains. Call from one thread.
  bool step();
  // Runs one step; returns whether it computed anything (false: nothing could run now).
  bool run_step();
  void run_until_idle();
  bool has_work();
  // Ends every queued and running request now (see Scheduler::end_all).
  void end_all(FinishReason reason, const std::string& error = {});

  const EngineOptions& options() const { return options_; }
  EngineStats stats() const;
  static int32_t kv_blocks_needed(const EngineOptions& options);

 private:
  void take_incoming();
  void run_items_alone(const StepPlan& plan);
  void publish_stats();
  // The vocabulary as grammars see it, built on the first constrained request.
  std::shared_ptr<const TokenTable> token_table();

  Model& model_;
  const Tokenizer& tokenizer_;
  EngineOptions options_;
  Scheduler scheduler_;
  Runner runner_;
  StepPlan single_;    // run_items_alone's one-item plan, reused
  StepOutput merged_;  // run_items_alone's output, reused
  std::mutex mutex_;   // guards incoming_, cancels_, next_id_
  std::vector<std::unique_ptr<Sequence>> incoming_;
  std::vector<int64_t> cancels_;
  KvCache& kv_;
  mutable std::mutex stats_mutex_;
  EngineStats stats_;
  int64_t steps_ = 0;
  int64_t next_id_ = 1;
  std::once_flag token_table_once_;
  std::shared_ptr<const TokenTable> token_table_;
};

}  // namespace minke
