// Arena: bump allocator for one forward step's activations and scratch. reset() makes all
// earlier allocations invalid and, after a step that overflowed the first chunk, merges the
// chunks into one big enough for the step's peak, so steady-state steps never call malloc.
// release() pops back to a mark (a layer's temporaries).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "backend/backend.h"

namespace minke {

class Arena {
 public:
  static constexpr size_t kAlign = 64;  // cache line, and enough for any SIMD load

  explicit Arena(size_t initial_bytes = size_t{1} << 20);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // `bytes` of uninitialised memory aligned to kAlign, valid until reset() or a release() to a
  // mark taken before it.
  void* alloc(size_t bytes);
  void reset();
  // release(mark()) frees what was allocated in between; reset() then sizes the next step's
  // chunk for the peak of bytes live at once, not their sum.
  ScratchMark mark() const { return {chunks_.size(), used_, live_}; }
  void release(const ScratchMark& m);
  size_t capacity() const;  // bytes held across all chunks

 private:
  struct Chunk {
    struct Free {
      void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{kAlign}); }
    };
    std::unique_ptr<std::byte[], Free> data;
    size_t size = 0;
  };
  void add_chunk(size_t bytes);

  std::vector<Chunk> chunks_;
  size_t used_ = 0;  // bytes used in chunks_.back()
  size_t live_ = 0;  // bytes handed out and not released since the last reset
  size_t peak_ = 0;  // the most live_ has been since the last reset (for merging)
};

}  // namespace minke
