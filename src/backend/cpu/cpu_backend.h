// The CPU backend: Backend ops on host memory, run by a fixed thread pool over the kernel table
// dispatch.cpp picked (scalar ref for now). Work is split over output rows/columns/heads only,
// never over a reduction, so results do not depend on the thread count.
#pragma once

#include <memory>

#include "backend/backend.h"

namespace minke {

struct CpuBackendOptions {
  int n_threads = 1;                     // including the calling thread
  const KernelTable* kernels = nullptr;  // null: kernels() (the best for this host)
};

std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options);

}  // namespace minke
