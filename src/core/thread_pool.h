// ThreadPool: a fixed set of workers created once; parallel_for(n, fn) runs fn(task, thread)
// for every task in [0, n) with a static, deterministic split (thread t always gets the same
// contiguous range for the same n), no allocation per call, spin-then-wait hand-off.
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

  // Runs fn(task, thread) for task in [0, n_tasks) and returns when all are done. Thread t
  // (0 = the caller) runs tasks [t * n / T, (t + 1) * n / T) in increasing order, T =
  // min(n_threads, n_tasks). fn must not throw and must not call parallel_for (one caller at a
  // time; checked). Results must not depend on which thread ran a task: use `thread` only to
  // pick per-thread scratch.
  void parallel_for(int64_t n_tasks, TaskFn fn);

  // The static split: the first task of thread t when n_tasks run on n_used threads.
  static int64_t split_begin(int64_t n_tasks, int n_used, int t) { return n_tasks * t / n_used; }

 private:
  void worker_main(int thread);
  void run_share(int thread);

  const int n_threads_;
  std::vector<std::thread> workers_;

  // The current job; written by the caller only while no worker reads it (between a finished
  // job and the next generation bump), read by workers after they observe the bump (acquire).
  const TaskFn* job_fn_ = nullptr;
  int64_t job_tasks_ = 0;
  int job_used_ = 0;

  std::atomic<uint32_t> generation_{0};  // bumped once per job (and at shutdown)
  std::atomic<int> pending_{0};          // workers still running the current job
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};  // catches re-entrant or concurrent parallel_for
};

}  // namespace minke
