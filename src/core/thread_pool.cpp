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

void ThreadPool::run_claims(uint32_t gen, int thread) {
  const size_t slot = gen & 1U;
  for (;;) {
    uint64_t c = claim_.load(std::memory_order_acquire);
    if (static_cast<uint32_t>(c >> 32) != gen) return;
    const int64_t task = static_cast<int64_t>(c & 0xffffffffU);
    const int64_t n = job_tasks_[slot].load(std::memory_order_relaxed);
    if (task >= n) return;
    if (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) continue;
    // The claim succeeded while job `gen` was unfinished, so its fn is still current.
    (*job_fn_[slot].load(std::memory_order_relaxed))(task, thread);
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == n) done_.notify_all();
  }
}

void ThreadPool::worker_main(int thread) {
  uint32_t seen = 0;
  for (;;) {
    seen = wait_change(generation_, seen);
    if (stop_.load(std::memory_order_relaxed)) return;
    run_claims(seen, thread);
  }
}

void ThreadPool::parallel_for(int64_t n_tasks, TaskFn fn) {
  MINKE_CHECK(n_tasks >= 0 && n_tasks < (int64_t{1} << 32));
  if (n_tasks == 0) return;
  MINKE_CHECK(!busy_.exchange(true, std::memory_order_acquire));
  if (n_threads_ == 1 || n_tasks == 1) {
    for (int64_t i = 0; i < n_tasks; ++i) fn(i, 0);
    busy_.store(false, std::memory_order_release);
    return;
  }
  const uint32_t gen = generation_.load(std::memory_order_relaxed) + 1;
  const size_t slot = gen & 1U;
  job_fn_[slot].store(&fn, std::memory_order_relaxed);
  job_tasks_[slot].store(n_tasks, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  claim_.store(uint64_t{gen} << 32, std::memory_order_release);
  generation_.store(gen, std::memory_order_release);
  generation_.notify_all();
  run_claims(gen, 0);
  int64_t done;
  while ((done = done_.load(std::memory_order_acquire)) != n_tasks) wait_change(done_, done);
  busy_.store(false, std::memory_order_release);
}

}  // namespace minke
