// The CPU backend: Backend ops on host memory, run by a fixed thread pool over the kernel table
// dispatch.cpp picked. Work is split over output rows/columns/heads only,
// never over a reduction, so results do not depend on the thread count.
#pragma once

#include <memory>

#include "backend/backend.h"

namespace minke {

struct CpuBackendOptions {
  int n_threads = 1;                     // including the calling thread
  const KernelTable* kernels = nullptr;  // null: kernels() (the best for this host)
  // Pack a mixture-of-experts weight when a token is first routed to it (experts nobody uses
  // are never read); false packs every expert at load (steady speed from the first token, as
  // `minke bench` wants).
  bool defer_experts = true;
};

std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options);

}  // namespace minke
