// Arena implementation (see arena.h).
#include "backend/cpu/arena.h"

#include <algorithm>
#include <new>

#include "core/check.h"

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
  live_ += rounded;
  peak_ = std::max(peak_, live_);
  if (used_ + rounded > chunks_.back().size) {
    add_chunk(std::max(rounded, chunks_.back().size * 2));
  }
  void* p = chunks_.back().data.get() + used_;
  used_ += rounded;
  return p;
}

void Arena::reset() {
  if (chunks_.size() > 1 || peak_ > chunks_.back().size) {
    // The last step had at most peak_ bytes live: one chunk that size holds it next time.
    const size_t want = std::max(peak_, capacity());
    chunks_.clear();
    add_chunk(want);
  }
  used_ = 0;
  live_ = 0;
  peak_ = 0;
}

void Arena::release(const ScratchMark& m) {
  MINKE_CHECK(m.chunk >= 1 && m.chunk <= chunks_.size() && m.live <= live_);
  if (m.chunk < chunks_.size()) {
    chunks_.resize(m.chunk);  // added since the mark: freed (reset() sizes for peak_)
  } else {
    MINKE_CHECK(m.used <= used_);
  }
  used_ = m.used;
  live_ = m.live;
}

size_t Arena::capacity() const {
  size_t total = 0;
  for (const Chunk& c : chunks_) total += c.size;
  return total;
}

}  // namespace minke
