// Arena implementation (see arena.h).
#include "backend/cpu/arena.h"

#include <algorithm>
#include <new>

namespace minke {

Arena::Arena(size_t initial_bytes) { add_chunk(std::max(initial_bytes, kAlign)); }

void Arena::add_chunk(size_t bytes) {
  Chunk c;
  c.data.reset(static_cast<std::byte*>(::operator new[](bytes, std::align_val_t{kAlign})));
  c.size = bytes;
  chunks_.push_back(std::move(c));
  used_ = 0;
}

void* Arena::alloc(size_t bytes) {
  const size_t rounded = (std::max<size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
  step_bytes_ += rounded;
  if (used_ + rounded > chunks_.back().size) {
    add_chunk(std::max(rounded, chunks_.back().size * 2));
  }
  void* p = chunks_.back().data.get() + used_;
  used_ += rounded;
  return p;
}

void Arena::reset() {
  if (chunks_.size() > 1) {
    // The last step needed step_bytes_; keep one chunk that holds it all next time.
    const size_t want = std::max(step_bytes_, capacity());
    chunks_.clear();
    add_chunk(want);
  }
  used_ = 0;
  step_bytes_ = 0;
}

size_t Arena::capacity() const {
  size_t total = 0;
  for (const Chunk& c : chunks_) total += c.size;
  return total;
}

}  // namespace minke
