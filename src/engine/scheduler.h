// Scheduler: continuous batching. plan() picks, for one step, one token for every decoding
// sequence, then prompt chunks of prefilling and newly admitted sequences within a token budget,
// reserving KV blocks (preempting the youngest sequence by recomputation when the cache is
// full). A sequence whose reader is behind (Sequence::ready) sits the step out. update() applies
// the sampled tokens and retires finished sequences, freeing their KV.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "engine/sequence.h"
#include "engine/step_plan.h"
#include "kv/kv_cache.h"

namespace minke {

struct SchedulerOptions {
  int32_t max_batch_tokens = 512;     // tokens per step (prefill chunk budget)
  int32_t max_seqs = 1;               // sequences in the KV cache at once
  int32_t block_size = kKvBlockSize;  // the KV cache's tokens per block
  bool prefix_cache = true;           // reuse cached K/V of identical prompt prefixes
};

class Scheduler {
 public:
  Scheduler(KvCache& kv, SchedulerOptions options);
  ~Scheduler();

  void add(std::unique_ptr<Sequence> seq);
  // Marks a request to be cancelled at the next plan(); false when it is unknown (finished).
  bool cancel(int64_t request_id);
  // Ends a running request now with FinishReason::kError (its step could not be computed).
  void fail(int64_t request_id, std::string message);
  // Ends every queued and running request now (shutting down, or a step failed outside the
  // model).
  void end_all(FinishReason reason, const std::string& error = {});
  // Retires cancelled sequences, then plans the next step (empty when nothing can run). The
  // plan lives in the scheduler and stays valid until the next plan().
  const StepPlan& plan();
  void update(const StepPlan& plan, const StepOutput& output);

  bool has_work() const { return !waiting_.empty() || !running_.empty(); }
  size_t n_waiting() const { return waiting_.size(); }
  size_t n_running() const { return running_.size(); }

 private:
  void retire_cancelled();
  void plan_running(StepPlan& plan, int32_t& budget, bool decode);
  void admit_waiting(StepPlan& plan, int32_t& budget);
  bool make_room(Sequence& seq, int32_t n, const StepPlan& plan);
  void preempt(Sequence& seq);
  int32_t blocks_needed(const Sequence& seq, int32_t n) const;
  int32_t prefill_chunk(const Sequence& seq, int32_t n) const;
  void add_item(StepPlan& plan, Sequence& seq, int32_t n);
  void finish(Sequence& seq, FinishReason reason, std::string error = {});
  Sequence* find_running(int64_t request_id);

  KvCache& kv_;
  SchedulerOptions options_;
  std::deque<std::unique_ptr<Sequence>> waiting_;
  std::vector<std::unique_ptr<Sequence>> running_;  // in admission order
  std::vector<int32_t> free_slots_;
  StepPlan plan_;                 // the current step's plan, reused
  std::vector<Sequence*> order_;  // plan_running's snapshot of running_, reused
};

}  // namespace minke
