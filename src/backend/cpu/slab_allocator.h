// SlabAllocator: memory for the packed weights, which live as long as the backend. It is carved
// out of large anonymous mappings that the kernel is asked to back with 2 MiB pages
// (MADV_HUGEPAGE, honoured where transparent huge pages are "madvise" or "always"). Streaming a
// weight then crosses a page boundary every 2 MiB instead of every 4 KiB: the hardware
// prefetchers stop at page boundaries and the TLB covers the whole model. Unused slab tails are
// never touched, so they cost address space, not memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace minke {

class SlabAllocator {
 public:
  static constexpr size_t kAlign = 64;                  // a cache line, an AVX-512 register
  static constexpr size_t kHugePage = size_t{2} << 20;  // x86-64 and arm64 (4 KiB granule)
  static constexpr size_t kSlabBytes = size_t{64} << 20;

  SlabAllocator() = default;
  SlabAllocator(const SlabAllocator&) = delete;
  SlabAllocator& operator=(const SlabAllocator&) = delete;
  ~SlabAllocator();

  // `bytes` of zero-initialised memory aligned to kAlign, valid until destruction; nullptr when
  // the system refuses the mapping.
  uint8_t* alloc(size_t bytes);

 private:
  struct Slab {
    void* mapping;
    size_t mapping_bytes;
    uint8_t* base;  // mapping rounded up to kHugePage
    size_t size;
  };
  std::vector<Slab> slabs_;
  size_t used_ = 0;  // bytes handed out of slabs_.back()
};

}  // namespace minke
