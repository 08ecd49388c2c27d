// What the CPU this process runs on can execute (x86-64: CPUID plus the OS's XSAVE state, so a
// feature the kernel does not preserve across context switches counts as absent; AArch64 Linux:
// the kernel's hardware capability bits, getauxval(AT_HWCAP / AT_HWCAP2)).
#pragma once

#include <string>

namespace minke {

struct CpuFeatures {
  std::string vendor;  // "GenuineIntel", "AuthenticAMD", ... (empty off x86)
  std::string model;   // the brand string, e.g. "AMD EPYC 9R45"
  bool avx2 = false, fma = false, f16c = false, bmi2 = false;
  bool avx_vnni = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false;
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false;
  bool neon = false, dotprod = false, i8mm = false;  // AArch64: ASIMD, SDOT/UDOT, SMMLA

  // Space-separated names of the features above that are present ("avx2 fma ...").
  std::string summary() const;
};

// Detected once, on first use.
const CpuFeatures& cpu_features();

}  // namespace minke
