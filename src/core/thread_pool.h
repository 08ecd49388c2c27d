// ThreadPool: a fixed set of workers created once; parallel_for(n, fn) runs fn(task, thread)
// for every task in [0, n): tasks are claimed one at a time from a shared counter by the caller
// and every worker awake, so a worker the OS has descheduled (a busy machine) delays nothing
// but its own task. No allocation per call, spin-then-wait hand-off. Which thread runs a task
// is not fixed: results must not depend on it (kernels split work over outputs only).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace minke {

// A non-owning reference to a callable `void(int64_t task, int thread)`; unlike std::function it
// never allocates. The referenced callable must outlive the call it is passed to.
class TaskFn {
 public:
  template <typename F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, TaskFn>)
      TaskFn(F&& f)  // NOLINT(google-explicit-constructor): passed as a lambda at call sites
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, int64_t task, int thread) {
          (*static_cast<std::remove_reference_t<F>*>(o))(task, thread);
        }) {}
  void operator()(int64_t task, int thread) const { call_(obj_, task, thread); }

 private:
  void* obj_;
  void (*call_)(void*, int64_t, int);
};

class ThreadPool {
 public:
  // n_threads >= 1 counts the calling thread: n_threads - 1 workers are started.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int n_threads() const { return n_threads_; }

  // Runs fn(task, thread) for task in [0, n_tasks) (n_tasks < 2^32) and returns when all are
  // done; `thread` (0 = the caller) is the index of the thread running it, for per-thread
  // scratch only. fn must not throw and must not call parallel_for (one caller at a time;
  // checked).
  void parallel_for(int64_t n_tasks, TaskFn fn);

 private:
  void worker_main(int thread);
  // Claims and runs tasks of job `gen` until none is left (or a newer job has started).
  void run_claims(uint32_t gen, int thread);

  const int n_threads_;
  std::vector<std::thread> workers_;

  // The current job. claim_ = (generation << 32) | next unclaimed task; a task is claimed by a
  // CAS that also checks the generation, so a late worker never runs a task of a job it did not
  // see start. fn and the task count are double-buffered by generation parity: the caller writes
  // job g + 1's while a late worker may still read job g's.
  std::atomic<const TaskFn*> job_fn_[2] = {nullptr, nullptr};
  std::atomic<int64_t> job_tasks_[2] = {0, 0};
  std::atomic<uint64_t> claim_{0};
  std::atomic<int64_t> done_{0};         // tasks of the current job finished
  std::atomic<uint32_t> generation_{0};  // bumped once per job (and at shutdown)
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};  // catches re-entrant or concurrent parallel_for
};

}  // namespace minke
