// Arena: bump allocator for one forward step's activations and scratch. reset() makes all
// earlier allocations invalid and, after a step that overflowed the first chunk, merges the
// chunks into one big enough for the whole step, so steady-state steps never call malloc.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace minke {

class Arena {
 public:
  static constexpr size_t kAlign = 64;  // cache line, and enough for any SIMD load

  explicit Arena(size_t initial_bytes = size_t{1} << 20);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // `bytes` of uninitialised memory aligned to kAlign, valid until reset().
  void* alloc(size_t bytes);
  void reset();
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
  size_t used_ = 0;        // bytes used in chunks_.back()
  size_t step_bytes_ = 0;  // bytes handed out since the last reset (high-water for merging)
};

}  // namespace minke
