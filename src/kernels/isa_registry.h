// The ISA folders' registration entry points (dispatch.cpp calls the ones the CPU can run) and
// the CPU features each needs, as core/cpu_features.h names them.
#pragma once

#include "kernels/kernel_table.h"

namespace minke {

#if defined(MINKE_X86_KERNELS) || defined(MINKE_ARM_KERNELS)
// Each ISA file fills `out` (room for kMaxIsaMatmul entries) with its matmul kernels and returns
// how many, and sets the non-matmul ops it does better in `ops` (an all-null table); dispatch.cpp
// copies both over the table below. The ISA files call no shared inline code (a function
// compiled with AVX-512 flags must never be the copy the linker keeps for baseline code), hence
// plain arrays and fields rather than KernelTable's helpers.
inline constexpr int kMaxIsaMatmul = 16;
#endif

#ifdef MINKE_X86_KERNELS
inline constexpr const char* kAvx2Needs = "avx2 fma f16c bmi2";
inline constexpr const char* kAvx2VnniNeeds = "avx2 fma f16c bmi2 avx_vnni";
inline constexpr const char* kAvx512Needs =
    "avx2 fma f16c bmi2 avx512f avx512bw avx512vl avx512dq avx512vnni";
inline constexpr const char* kAmxNeeds =
    "avx2 fma f16c bmi2 avx512f avx512bw avx512vl avx512dq avx512vnni amx_tile amx_int8";
int avx2_kernels(MatmulKernel* out, KernelTable* ops);       // kernels/x86_avx2/
int avx2_vnni_kernels(MatmulKernel* out, KernelTable* ops);  // kernels/x86_avx2/*_vnni.cpp
int avx512_kernels(MatmulKernel* out, KernelTable* ops);     // kernels/x86_avx512/
int amx_kernels(MatmulKernel* out, KernelTable* ops);        // kernels/x86_amx/ (over avx512)
#endif

#ifdef MINKE_ARM_KERNELS
inline constexpr const char* kNeonNeeds = "neon";
inline constexpr const char* kNeonDotprodNeeds = "neon dotprod";
inline constexpr const char* kNeonI8mmNeeds = "neon dotprod i8mm";
int neon_kernels(MatmulKernel* out, KernelTable* ops);          // kernels/arm_neon/
int neon_dotprod_kernels(MatmulKernel* out, KernelTable* ops);  // *_dotprod.cpp
int neon_i8mm_kernels(MatmulKernel* out, KernelTable* ops);     // *_i8mm.cpp
#endif

}  // namespace minke
