// CPUID-based feature detection (Intel SDM vol. 2A "CPUID"; AMD APM vol. 3 appendix E).
#include "core/cpu_features.h"

#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define MINKE_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#define MINKE_ARM_LINUX 1
#endif

namespace minke {
namespace {

#ifdef MINKE_X86
struct Regs {
  uint32_t a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(uint32_t leaf, uint32_t sub) {
  Regs r;
  __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
  return r;
}

uint64_t xgetbv0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

bool bit(uint32_t v, int b) { return ((v >> b) & 1U) != 0; }

CpuFeatures detect() {
  CpuFeatures f;
  const Regs v0 = cpuid(0, 0);
  char vendor[13] = {};
  std::memcpy(vendor, &v0.b, 4);
  std::memcpy(vendor + 4, &v0.d, 4);
  std::memcpy(vendor + 8, &v0.c, 4);
  f.vendor = vendor;
  if (cpuid(0x80000000U, 0).a >= 0x80000004U) {
    char brand[49] = {};
    for (uint32_t i = 0; i < 3; ++i) {
      const Regs r = cpuid(0x80000002U + i, 0);
      std::memcpy(brand + 16 * i, &r, 16);
    }
    f.model = brand;
    while (!f.model.empty() && f.model.back() == ' ') f.model.pop_back();
    while (!f.model.empty() && f.model.front() == ' ') f.model.erase(0, 1);
  }
  if (v0.a < 7) return f;
  const Regs l1 = cpuid(1, 0);
  const bool osxsave = bit(l1.c, 27);
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;                 // XMM and YMM state
  const bool os_avx512 = os_avx && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;         // XTILECFG, XTILEDATA
  const Regs l7 = cpuid(7, 0);
  const Regs l7s1 = cpuid(7, 1);
  f.fma = os_avx && bit(l1.c, 12);
  f.f16c = os_avx && bit(l1.c, 29);
  f.avx2 = os_avx && bit(l7.b, 5);
  f.bmi2 = bit(l7.b, 8);
  f.avx_vnni = os_avx && bit(l7s1.a, 4);
  f.avx512f = os_avx512 && bit(l7.b, 16);
  f.avx512dq = os_avx512 && bit(l7.b, 17);
  f.avx512bw = os_avx512 && bit(l7.b, 30);
  f.avx512vl = os_avx512 && bit(l7.b, 31);
  f.avx512vnni = os_avx512 && bit(l7.c, 11);
  f.avx512bf16 = os_avx512 && bit(l7s1.a, 5);
  f.amx_bf16 = os_amx && bit(l7.d, 22);
  f.amx_tile = os_amx && bit(l7.d, 24);
  f.amx_int8 = os_amx && bit(l7.d, 25);
  return f;
}
#elif defined(MINKE_ARM_LINUX)
// Linux's arch/arm64 hwcap bits (uapi asm/hwcap.h), named here so the build needs no kernel
// headers of a particular age.
CpuFeatures detect() {
  constexpr unsigned long kHwcapAsimd = 1UL << 1, kHwcapAsimdDp = 1UL << 20;
  constexpr unsigned long kHwcap2I8mm = 1UL << 13;
  const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
  CpuFeatures f;
  f.neon = (hw & kHwcapAsimd) != 0;
  f.dotprod = f.neon && (hw & kHwcapAsimdDp) != 0;
  f.i8mm = f.neon && (hw2 & kHwcap2I8mm) != 0;
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

}  // namespace

std::string CpuFeatures::summary() const {
  const std::pair<bool, const char*> all[] = {
      {avx2, "avx2"},
      {fma, "fma"},
      {f16c, "f16c"},
      {bmi2, "bmi2"},
      {avx_vnni, "avx_vnni"},
      {avx512f, "avx512f"},
      {avx512bw, "avx512bw"},
      {avx512vl, "avx512vl"},
      {avx512dq, "avx512dq"},
      {avx512vnni, "avx512vnni"},
      {avx512bf16, "avx512bf16"},
      {amx_tile, "amx_tile"},
      {amx_int8, "amx_int8"},
      {amx_bf16, "amx_bf16"},
      {neon, "neon"},
      {dotprod, "dotprod"},
      {i8mm, "i8mm"},
  };
  std::string s;
  for (const auto& [has, name] : all) {
    if (!has) continue;
    if (!s.empty()) s += ' ';
    s += name;
  }
  return s;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

}  // namespace minke
