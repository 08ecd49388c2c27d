// RequestStream: hands one request's output from the engine's thread to the thread that reads
// it, through a bounded queue. The engine never waits for a reader: a reader that falls
// behind only holds its own request back (Request::ready), and its queue never holds more
// than `capacity` events plus the final one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/request.h"

namespace minke {

class RequestStream {
 public:
  // One sampled token and its text, or (result set) the end of the request.
  struct Event {
    int32_t token = -1;  // -1: text left over at the end, or the final event
    std::string text;
    std::optional<float> logprob;  // Request::logprobs >= 0
    std::vector<TokenLogprob> top_logprobs;
    std::optional<RequestResult> result;
  };

  // on_room is called (from the reader's thread) when the queue had no room for a step's
  // output and now has: the engine's loop should look again (EngineLoop::wake).
  explicit RequestStream(size_t capacity = 64, std::function<void()> on_room = {});

  // Points the request's on_token, on_finish and ready hooks at the stream; the request keeps
  // the stream alive.
  static void attach(const std::shared_ptr<RequestStream>& stream, Request& request);

  // The next event, waiting for it; the event with the result is the last.
  Event next();
  // As next(), or nullopt when nothing came within `timeout`.
  std::optional<Event> next_for(std::chrono::milliseconds timeout);

  size_t size() const;

 private:
  // A step adds at most two events (a token, text flushed at the end); the final one is extra.
  static constexpr size_t kStepEvents = 2;

  void push(Event event);
  bool has_room() const;
  Event pop(std::unique_lock<std::mutex>& lock);

  const size_t capacity_;
  const std::function<void()> on_room_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Event> events_;
};

}  // namespace minke
