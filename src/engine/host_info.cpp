// host_info(): see host_info.h. Linux topology from sysfs, CPU identity from core/cpu_features.
#include "engine/host_info.h"

#include <sched.h>

#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "core/cpu_features.h"
#include "engine/load_checks.h"
#include "kernels/kernel_table.h"

namespace minke {
namespace {

// The logical CPUs this process may run on (its affinity mask), or 0..n-1 when unknown.
std::set<int> allowed_cpus() {
  std::set<int> cpus;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &mask)) cpus.insert(c);
    }
  }
  if (cpus.empty()) {
    const unsigned n = std::thread::hardware_concurrency();
    for (unsigned c = 0; c < (n == 0 ? 1 : n); ++c) cpus.insert(static_cast<int>(c));
  }
  return cpus;
}

bool read_int(const std::string& path, int& out) {
  std::ifstream in(path);
  return static_cast<bool>(in >> out);
}

}  // namespace

int32_t physical_cores() {
  const std::set<int> cpus = allowed_cpus();
  std::set<std::pair<int, int>> cores;  // (package, core)
  for (const int c : cpus) {
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(c) + "/topology/";
    int package = 0, core = 0;
    if (!read_int(dir + "physical_package_id", package) || !read_int(dir + "core_id", core)) {
      return static_cast<int32_t>(cpus.size());
    }
    cores.insert({package, core});
  }
  return cores.empty() ? 1 : static_cast<int32_t>(cores.size());
}

HostInfo host_info() {
  const CpuFeatures& f = cpu_features();
  return HostInfo{.cpu_model = f.model,
                  .cpu_features = f.summary(),
                  .kernel_path = kernels().name,
                  .weight_prefetch = kernels().weight_prefetch,
                  .physical_cores = physical_cores(),
                  .logical_cpus = static_cast<int32_t>(allowed_cpus().size()),
                  .memory_bytes = physical_memory_bytes()};
}

}  // namespace minke
