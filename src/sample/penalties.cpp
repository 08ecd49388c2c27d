// PenaltyWindow: the ring buffer of recent tokens that the sampler's penalties count.
#include "sample/penalties.h"

#include "core/check.h"

namespace minke {

PenaltyWindow::PenaltyWindow(int32_t capacity) {
  MINKE_CHECK(capacity >= 0);
  ring_.resize(static_cast<size_t>(capacity));
  scratch_.resize(static_cast<size_t>(capacity));
}

void PenaltyWindow::push(int32_t token) {
  const int32_t cap = capacity();
  if (cap == 0) return;
  ring_[static_cast<size_t>(head_)] = token;
  head_ = head_ + 1 == cap ? 0 : head_ + 1;
  if (size_ < cap) ++size_;
}

void PenaltyWindow::clear() {
  head_ = 0;
  size_ = 0;
}

}  // namespace minke
