// ThreadPool implementation: generation counter + pending counter, both std::atomic, with a
// short spin before blocking in atomic::wait (a futex on Linux), so a decode step's many small
// parallel_for calls do not pay a syscall each while large ones do not burn idle cores.
#include "core/thread_pool.h"

#include <algorithm>

#include "core/check.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace minke {
namespace {

// Iterations to spin before sleeping (pause is ~10-140 cycles: at most ~50 us), enough to cover the
// gap between two ops of a forward step.
constexpr int kSpinIterations = 1 << 10;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Waits until a.load() != old; spins first, then blocks.
template <typename T>
T wait_change(const std::atomic<T>& a, T old) {
  for (int i = 0; i < kSpinIterations; ++i) {
    const T v = a.load(std::memory_order_acquire);
    if (v != old) return v;
    cpu_relax();
  }
  T v;
  while ((v = a.load(std::memory_order_acquire)) == old) a.wait(old, std::memory_order_acquire);
  return v;
}

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads) {
  MINKE_CHECK(n_threads >= 1);
  workers_.reserve(static_cast<size_t>(n_threads - 1));
  for (int t = 1; t < n_threads; ++t) workers_.emplace_back([this, t] { worker_main(t); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_share(int thread) {
  if (thread >= job_used_) return;
  const int64_t begin = split_begin(job_tasks_, job_used_, thread);
  const int64_t end = split_begin(job_tasks_, job_used_, thread + 1);
  for (int64_t i = begin; i < end; ++i) (*job_fn_)(i, thread);
}

void ThreadPool::worker_main(int thread) {
  uint32_t seen = 0;
  for (;;) {
    seen = wait_change(generation_, seen);
    if (stop_.load(std::memory_order_relaxed)) return;
    run_share(thread);
    // The last worker to finish wakes the caller; acq_rel publishes this worker's writes.
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_all();
  }
}

void ThreadPool::parallel_for(int64_t n_tasks, TaskFn fn) {
  MINKE_CHECK(n_tasks >= 0);
  if (n_tasks == 0) return;
  MINKE_CHECK(!busy_.exchange(true, std::memory_order_acquire));
  const int used = static_cast<int>(std::min<int64_t>(n_threads_, n_tasks));
  job_fn_ = &fn;
  job_tasks_ = n_tasks;
  job_used_ = used;
  if (n_threads_ > 1) {
    // Every worker takes part in every job (idle ones just acknowledge) so the generation
    // protocol stays simple; a job with fewer tasks than threads costs one wake-up each.
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
  }
  run_share(0);
  if (n_threads_ > 1) {
    int left;
    while ((left = pending_.load(std::memory_order_acquire)) != 0) {
      wait_change(pending_, left);
    }
  }
  job_fn_ = nullptr;
  busy_.store(false, std::memory_order_release);
}

}  // namespace minke
