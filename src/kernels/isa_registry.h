// The ISA folders' registration entry points (dispatch.cpp calls the ones the CPU can run) and
// the CPU features each needs, as core/cpu_features.h names them.
#pragma once

#include "kernels/kernel_table.h"

namespace minke {

#ifdef MINKE_X86_KERNELS
inline constexpr const char* kAvx2Needs = "avx2 fma f16c bmi2";
inline constexpr const char* kAvx512Needs =
    "avx2 fma f16c bmi2 avx512f avx512bw avx512vl avx512dq avx512vnni";
void register_avx2_kernels(KernelTable& table);    // kernels/x86_avx2/
void register_avx512_kernels(KernelTable& table);  // kernels/x86_avx512/
#endif

}  // namespace minke
