// RequestStream: see request_stream.h.
#include "engine/request_stream.h"

#include <algorithm>

namespace minke {

RequestStream::RequestStream(size_t capacity, std::function<void()> on_room)
    : capacity_(std::max(capacity, kStepEvents)), on_room_(std::move(on_room)) {}

void RequestStream::attach(const std::shared_ptr<RequestStream>& stream, Request& request) {
  request.on_token = [stream](const TokenEvent& e) {
    Event event{.token = e.token, .text = std::string(e.text)};
    if (e.logprob != nullptr) {
      event.logprob = *e.logprob;
      event.top_logprobs.assign(e.top_logprobs.begin(), e.top_logprobs.end());
    }
    stream->push(std::move(event));
    return true;
  };
  request.on_finish = [stream](const RequestResult& r) { stream->push(Event{.result = r}); };
  request.ready = [stream] { return stream->has_room(); };
}

void RequestStream::push(Event event) {
  {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  cv_.notify_one();
}

bool RequestStream::has_room() const {
  std::lock_guard lock(mutex_);
  return events_.size() + kStepEvents <= capacity_;
}

size_t RequestStream::size() const {
  std::lock_guard lock(mutex_);
  return events_.size();
}

RequestStream::Event RequestStream::pop(std::unique_lock<std::mutex>& lock) {
  const bool was_full = events_.size() + kStepEvents > capacity_;
  Event e = std::move(events_.front());
  events_.pop_front();
  const bool has_room_now = events_.size() + kStepEvents <= capacity_;
  lock.unlock();
  if (was_full && has_room_now && on_room_) on_room_();
  return e;
}

RequestStream::Event RequestStream::next() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return !events_.empty(); });
  return pop(lock);
}

std::optional<RequestStream::Event> RequestStream::next_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [this] { return !events_.empty(); })) return std::nullopt;
  return pop(lock);
}

}  // namespace minke
