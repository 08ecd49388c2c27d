// ThreadPool: every task runs once, on the thread the static split names, across many
// back-to-back jobs (the hand-off protocol), with workers' writes visible to the caller.
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace minke {
namespace {

TEST(ThreadPool, RunsEveryTaskOnceOnAValidThread) {
  for (int n_threads : {1, 2, 3, 4}) {
    ThreadPool pool(n_threads);
    for (int64_t n_tasks : {1, 2, 3, 5, 8, 37, 1000}) {
      std::vector<int> runs(static_cast<size_t>(n_tasks), 0);
      std::vector<int> thread_of(static_cast<size_t>(n_tasks), -1);
      pool.parallel_for(n_tasks, [&](int64_t task, int thread) {
        ++runs[static_cast<size_t>(task)];  // distinct slots: no race
        thread_of[static_cast<size_t>(task)] = thread;
      });
      for (int64_t i = 0; i < n_tasks; ++i) {
        EXPECT_EQ(runs[static_cast<size_t>(i)], 1);
        EXPECT_GE(thread_of[static_cast<size_t>(i)], 0);
        EXPECT_LT(thread_of[static_cast<size_t>(i)], n_threads);
      }
    }
  }
}

// A worker that is slow (here: busy in a long task) does not hold the others back: the
// remaining tasks are claimed by whoever is free.
TEST(ThreadPool, OthersTakeOverWhileOneTaskIsSlow) {
  ThreadPool pool(3);
  std::vector<int> runs(200, 0);
  pool.parallel_for(200, [&](int64_t task, int) {
    if (task == 0) std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ++runs[static_cast<size_t>(task)];
  });
  for (int r : runs) EXPECT_EQ(r, 1);
}

TEST(ThreadPool, ManyBackToBackJobs) {
  ThreadPool pool(3);
  std::vector<int64_t> slot(64, 0);
  for (int job = 0; job < 1000; ++job) {
    const int64_t n = 1 + job % 64;
    pool.parallel_for(n, [&](int64_t task, int) { slot[static_cast<size_t>(task)] += task + 1; });
  }
  // Task i ran in every job with n > i: jobs j with (j % 64) >= i.
  for (int64_t i = 0; i < 64; ++i) {
    int64_t jobs = 0;
    for (int job = 0; job < 1000; ++job) jobs += (job % 64) >= i;
    EXPECT_EQ(slot[static_cast<size_t>(i)], jobs * (i + 1)) << i;
  }
}

TEST(ThreadPool, ZeroTasksAndIdleGapsAreFine) {
  ThreadPool pool(2);
  pool.parallel_for(0, [](int64_t, int) { FAIL(); });
  std::atomic<int64_t> sum{0};
  for (int i = 0; i < 3; ++i) {
    // Sleep past the spin phase so workers block in wait() and must be woken.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pool.parallel_for(100, [&](int64_t task, int) { sum.fetch_add(task); });
  }
  EXPECT_EQ(sum.load(), 3 * 4950);
}

TEST(ThreadPool, CallableIsNotCopied) {
  ThreadPool pool(2);
  struct Counter {
    std::atomic<int>* calls;
    void operator()(int64_t, int) const { calls->fetch_add(1); }
  };
  std::atomic<int> calls{0};
  Counter c{&calls};
  pool.parallel_for(10, c);
  EXPECT_EQ(calls.load(), 10);
}

}  // namespace
}  // namespace minke
