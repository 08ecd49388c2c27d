// What this machine is, as front ends report it (`minke info`, `minke bench`): the CPU, the
// kernel path the kernel table picked (or MINKE_KERNELS forced), physical cores and memory.
#pragma once

#include <cstdint>
#include <string>

namespace minke {

struct HostInfo {
  std::string cpu_model;         // the CPUID brand string, e.g. "AMD EPYC 9R45" (may be empty)
  std::string cpu_features;      // the SIMD features present, space separated ("avx2 fma ...")
  std::string kernel_path;       // the kernel table in use: "ref", "avx2", "avx512"
  uint64_t weight_prefetch = 0;  // bytes decode matmuls prefetch ahead (0: hardware only)
  int32_t physical_cores = 1;    // cores this process may run on, SMT siblings counted once
  int32_t logical_cpus = 1;      // hardware threads this process may run on
  uint64_t memory_bytes = 0;     // physical memory; 0 when unknown
};

// Throws minke::Error when MINKE_KERNELS names a path this binary or CPU cannot run.
HostInfo host_info();

// Physical cores in this process's CPU affinity mask (one per (package, core) pair in
// /sys/devices/system/cpu/*/topology); the logical CPU count where topology is unreadable.
// The default thread count for compute-bound work: an SMT sibling adds no SIMD units.
int32_t physical_cores();

}  // namespace minke
