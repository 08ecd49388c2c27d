// EngineLoop: runs an Engine's steps on a thread of its own, for as long as it lives, so any
// number of callers (the CLI, the library, the server's handlers) submit to one loop and read
// their output from RequestStreams on their own threads. The loop sleeps while nothing can run
// and wakes on a submission, a cancellation or a reader taking output (wake()).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/engine.h"

namespace minke {

class EngineLoop {
 public:
  explicit EngineLoop(Engine& engine);
  // Stops the loop; requests still queued or running end as cancelled.
  ~EngineLoop();
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  // Engine::submit (throws the same errors), then wakes the loop. Thread-safe.
  int64_t submit(Request request);
  // Engine::cancel, then wakes the loop. Thread-safe.
  void cancel(int64_t request_id);
  // Has the loop look for work again. Thread-safe.
  void wake() { signal_->wake(); }
  // wake() as a function that stays safe to call after the loop is gone (a RequestStream's
  // on_room may outlive it).
  std::function<void()> waker() const {
    return [signal = signal_] { signal->wake(); };
  }

 private:
  struct Signal {
    std::mutex mutex;
    std::condition_variable cv;
    bool stop = false;
    bool woken = false;
    void wake();
  };

  void run();

  Engine& engine_;
  std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace minke
