// SlabAllocator implementation (see slab_allocator.h).
#include "backend/cpu/slab_allocator.h"

#include <sys/mman.h>

#include <algorithm>

namespace minke {

SlabAllocator::~SlabAllocator() {
  for (const Slab& s : slabs_) munmap(s.mapping, s.mapping_bytes);
}

uint8_t* SlabAllocator::alloc(size_t bytes) {
  const size_t rounded = (std::max<size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
  if (slabs_.empty() || used_ + rounded > slabs_.back().size) {
    const size_t size = std::max(kSlabBytes, (rounded + kHugePage - 1) / kHugePage * kHugePage);
    // One huge page more than needed, so the slab can start on a huge-page boundary.
    const size_t mapping_bytes = size + kHugePage;
    void* p =
        mmap(nullptr, mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    const auto addr = reinterpret_cast<uintptr_t>(p);
    auto* base = reinterpret_cast<uint8_t*>((addr + kHugePage - 1) / kHugePage * kHugePage);
#ifdef MADV_HUGEPAGE
    madvise(base, size, MADV_HUGEPAGE);  // advice only: 4 KiB pages if refused
#endif
    slabs_.push_back({p, mapping_bytes, base, size});
    used_ = 0;
  }
  uint8_t* out = slabs_.back().base + used_;
  used_ += rounded;
  return out;
}

}  // namespace minke
