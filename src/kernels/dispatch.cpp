// Builds the kernel tables this binary has (ref, then each ISA over the one below it) and picks
// the one in use: the best the CPU can run, or the path MINKE_KERNELS names.
#include <cstdlib>
#include <string>

#ifdef MINKE_X86_KERNELS
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/cpu_features.h"
#include "kernels/isa_registry.h"
#include "kernels/kernel_table.h"
#include "minke/error.h"

namespace minke {
namespace {

struct Paths {
  std::vector<KernelPath> list;
  std::vector<KernelTable> tables;  // storage, stable after construction
};

// The names in `needs` (space separated) that `have` reports absent.
std::string missing_features(const char* needs, const CpuFeatures& f) {
  const std::string have = " " + f.summary() + " ";
  std::string missing, need = needs;
  size_t i = 0;
  while (i < need.size()) {
    size_t j = need.find(' ', i);
    if (j == std::string::npos) j = need.size();
    const std::string name = need.substr(i, j - i);
    if (have.find(" " + name + " ") == std::string::npos) {
      missing += (missing.empty() ? "" : " ") + name;
    }
    i = j + 1;
  }
  return missing;
}

#ifdef MINKE_X86_KERNELS
// How far ahead of its weight stream a decode matmul prefetches on this CPU (MatmulArgs::
// prefetch). On the Intel Xeon (Emerald Rapids) of this project's machines 4 KiB ahead raised
// 2-thread generation by 12-50 % (1B shape Q4_0 18.5 -> 25-30 t/s, Q8_0 13.5 -> 15.5): a core
// there keeps too few misses in flight for DRAM's latency on its own. On AMD Zen 5 software
// prefetch measured slower, so other CPUs leave it to the hardware. MINKE_PREFETCH=BYTES
// overrides (0 = off), for measuring it on another CPU.
size_t weight_prefetch(const CpuFeatures& f) {
  constexpr size_t kIntel = 4096, kMax = size_t{1} << 20;
  const char* forced = std::getenv("MINKE_PREFETCH");
  if (forced == nullptr || *forced == '\0') return f.vendor == "GenuineIntel" ? kIntel : 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(forced, &end, 10);
  if (forced[0] < '0' || forced[0] > '9' || *end != '\0' || v > kMax) {
    throw Error("MINKE_PREFETCH=" + std::string(forced) +
                ": expected a byte count from 0 to 1048576");
  }
  return static_cast<size_t>(v);
}

// Linux hands out the AMX tile state only to a process that asks (arch_prctl
// ARCH_REQ_XCOMP_PERM for XTILEDATA, kernel 5.16+); a tile instruction before that faults.
// Empty when granted, else why not (the path is then reported missing, and the AVX-512 one runs).
std::string amx_permission() {
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0) return "";
  return "permission for AMX tiles (the kernel refused arch_prctl ARCH_REQ_XCOMP_PERM)";
}
#endif
#if defined(MINKE_X86_KERNELS) || defined(MINKE_ARM_KERNELS)
std::string no_permission_needed() { return ""; }
#endif

// Every non-null op of `ops` replaces the one in `t`.
void override_ops(KernelTable& t, const KernelTable& ops) {
  auto take = [](auto& dst, auto src) {
    if (src != nullptr) dst = src;
  };
  if (ops.attention_f16kv != nullptr) {  // the tile height belongs to the kernel
    t.attention_f16kv = ops.attention_f16kv;
    t.attention_tile_rows = ops.attention_tile_rows;
  }
  take(t.attention_mla_f16, ops.attention_mla_f16);
  take(t.rope, ops.rope);
  take(t.rms_norm, ops.rms_norm);
  take(t.add, ops.add);
  take(t.mul, ops.mul);
  take(t.silu_mul, ops.silu_mul);
  take(t.gelu_mul, ops.gelu_mul);
  take(t.clamped_silu_mul, ops.clamped_silu_mul);
  take(t.sigmoid_mul, ops.sigmoid_mul);
  take(t.l2_norm, ops.l2_norm);
  take(t.causal_conv_silu, ops.causal_conv_silu);
  take(t.delta_rule, ops.delta_rule);
  take(t.softmax, ops.softmax);
  take(t.scale, ops.scale);
  take(t.scale_add, ops.scale_add);
  take(t.route, ops.route);
  take(t.f32_to_f16, ops.f32_to_f16);
}

const Paths& paths() {
  static const Paths p = [] {
    Paths out;
    const CpuFeatures& f = cpu_features();
    out.tables.reserve(5);
    out.tables.push_back(ref_kernels());  // the reference ignores MatmulArgs::prefetch
    out.list.push_back({"ref", nullptr, "", ""});
#if defined(MINKE_X86_KERNELS) || defined(MINKE_ARM_KERNELS)
    struct Isa {
      const char* name;
      const char* needs;
      int (*kernels)(MatmulKernel*, KernelTable*);
      std::string (*permission)();  // asked only when the CPU has the features
    };
#ifdef MINKE_X86_KERNELS
    const Isa isas[] = {
        {"avx2", kAvx2Needs, avx2_kernels, no_permission_needed},
        {"avx2_vnni", kAvx2VnniNeeds, avx2_vnni_kernels, no_permission_needed},
        {"avx512", kAvx512Needs, avx512_kernels, no_permission_needed},
        {"amx", kAmxNeeds, amx_kernels, amx_permission},
    };
    const size_t prefetch = weight_prefetch(f);
#else
    const Isa isas[] = {
        {"neon", kNeonNeeds, neon_kernels, no_permission_needed},
        {"neon_dotprod", kNeonDotprodNeeds, neon_dotprod_kernels, no_permission_needed},
        {"neon_i8mm", kNeonI8mmNeeds, neon_i8mm_kernels, no_permission_needed},
    };
    const size_t prefetch = 0;  // measured on x86 only; left to the hardware here
#endif
    for (const Isa& isa : isas) {
      std::string missing = missing_features(isa.needs, f);
      if (missing.empty()) missing = isa.permission();
      if (!missing.empty()) {
        out.list.push_back({isa.name, nullptr, isa.needs, std::move(missing)});
        continue;
      }
      KernelTable t = out.tables.back();  // overrides what the path below it has
      t.name = isa.name;
      t.weight_prefetch = prefetch;
      MatmulKernel ks[kMaxIsaMatmul];
      KernelTable ops;
      const int n = isa.kernels(ks, &ops);
      for (int i = 0; i < n; ++i) t.set_matmul(ks[i]);
      override_ops(t, ops);
      out.tables.push_back(t);
      out.list.push_back({isa.name, nullptr, isa.needs, ""});
    }
#endif
    // Point the runnable paths at their tables now that the storage no longer moves.
    size_t ti = 0;
    for (KernelPath& kp : out.list) {
      if (kp.missing.empty()) kp.table = &out.tables[ti++];
    }
    return out;
  }();
  return p;
}

const KernelTable& pick() {
  const Paths& p = paths();
  const char* forced = std::getenv("MINKE_KERNELS");
  if (forced == nullptr || *forced == '\0') {
    const KernelTable* best = nullptr;
    for (const KernelPath& kp : p.list) {
      if (kp.table != nullptr) best = kp.table;
    }
    return *best;
  }
  std::string known;
  for (const KernelPath& kp : p.list) {
    if (kp.name == std::string(forced)) {
      if (kp.table != nullptr) return *kp.table;
      throw Error("MINKE_KERNELS=" + std::string(forced) + ": this CPU lacks " + kp.missing);
    }
    known += (known.empty() ? "" : "|") + std::string(kp.name);
  }
  throw Error("MINKE_KERNELS=" + std::string(forced) + " is not a kernel path (use " + known + ")");
}

}  // namespace

std::span<const KernelPath> kernel_paths() { return paths().list; }

std::vector<const KernelTable*> host_kernel_tables() {
  std::vector<const KernelTable*> out;
  for (const KernelPath& kp : paths().list) {
    if (kp.table != nullptr) out.push_back(kp.table);
  }
  return out;
}

const KernelTable& kernels() {
  static const KernelTable& table = pick();
  return table;
}

const MatmulKernel* find_matmul(const KernelTable& table, GgmlType weight_type) {
  const auto i = static_cast<size_t>(weight_type);
  if (i >= table.matmul.size() || table.matmul[i].matmul == nullptr) return nullptr;
  return &table.matmul[i];
}

}  // namespace minke
