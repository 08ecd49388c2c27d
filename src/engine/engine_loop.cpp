// EngineLoop: see engine_loop.h.
#include "engine/engine_loop.h"

#include <exception>
#include <string>

namespace minke {

EngineLoop::EngineLoop(Engine& engine) : engine_(engine), thread_([this] { run(); }) {}

EngineLoop::~EngineLoop() {
  {
    std::lock_guard lock(signal_->mutex);
    signal_->stop = true;
  }
  signal_->cv.notify_one();
  thread_.join();
  engine_.end_all(FinishReason::kCancelled);
}

int64_t EngineLoop::submit(Request request) {
  const int64_t id = engine_.submit(std::move(request));
  wake();
  return id;
}

void EngineLoop::cancel(int64_t request_id) {
  engine_.cancel(request_id);
  wake();
}

void EngineLoop::Signal::wake() {
  {
    std::lock_guard lock(mutex);
    woken = true;
  }
  cv.notify_one();
}

void EngineLoop::run() {
  for (;;) {
    bool ran = false;
    try {
      ran = engine_.run_step();
    } catch (const std::exception& e) {
      // Not the model (Engine isolates those): the step itself could not be planned or applied.
      engine_.end_all(FinishReason::kError, std::string("the engine failed: ") + e.what());
    }
    Signal& s = *signal_;
    std::unique_lock lock(s.mutex);
    if (!ran) s.cv.wait(lock, [&s] { return s.stop || s.woken; });
    if (s.stop) return;
    s.woken = false;
  }
}

}  // namespace minke
