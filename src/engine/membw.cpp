// measure_read_bandwidth: see membw.h. Like STREAM's read kernels, but a pure read (a sum, no
// store), as a matmul streams its weights: the figure to compare decode against.
#include "engine/membw.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "minke/error.h"

namespace minke {
namespace {

// 16-byte lanes with GCC's vector extension: baseline x86-64 (SSE2) code with no ISA flags, and
// eight independent accumulators so the adds never limit the loads.
using V2 = uint64_t __attribute__((vector_size(16)));
constexpr size_t kLanes = 8;
constexpr size_t kStep = kLanes * sizeof(V2);  // 128 bytes per iteration; slices are multiples
constexpr size_t kAlign = 4096;

uint64_t sum_slice_baseline(const uint8_t* p, size_t n) {
  V2 acc[kLanes] = {};
  for (size_t off = 0; off + kStep <= n; off += kStep) {
    const V2* v = reinterpret_cast<const V2*>(p + off);
    for (size_t l = 0; l < kLanes; ++l) acc[l] += v[l];
  }
  V2 total = {};
  for (const V2& a : acc) total += a;
  return total[0] + total[1];
}

#if defined(__x86_64__)
// Wider loads reach more of the bandwidth on some cores (Zen 5: ~25 vs ~14 GB/s per core with
// 64- vs 16-byte loads), and the matmul kernels use the widest the CPU has, so the probe does
// too. The one place outside kernels/ with ISA code: a function attribute, picked at run time.
__attribute__((target("avx2"))) uint64_t sum_slice_avx2(const uint8_t* p, size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  size_t off = 0;
  for (; off + 128 <= n; off += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + off)));
    a1 = _mm256_add_epi64(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + off + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + off + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + off + 96)));
  }
  const __m256i t = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), t);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + sum_slice_baseline(p + off, n - off);
}

__attribute__((target("avx512f"))) uint64_t sum_slice_avx512(const uint8_t* p, size_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  size_t off = 0;
  for (; off + 256 <= n; off += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512(p + off));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512(p + off + 64));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512(p + off + 128));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512(p + off + 192));
  }
  const __m512i t = _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3));
  alignas(64) uint64_t lanes[8];  // not _mm512_reduce_add_epi64: g++ 12 warns inside it
  _mm512_store_si512(lanes, t);
  uint64_t s = 0;
  for (const uint64_t l : lanes) s += l;
  return s + sum_slice_baseline(p + off, n - off);
}
#endif

using SumFn = uint64_t (*)(const uint8_t*, size_t);

SumFn pick_sum() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f) return sum_slice_avx512;
  if (f.avx2) return sum_slice_avx2;
#endif
  return sum_slice_baseline;
}

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

}  // namespace

constexpr int64_t kPieces = 16;

MembwResult measure_read_bandwidth(const MembwOptions& o) {
  const int32_t threads = std::max<int32_t>(1, o.threads);
  const int32_t passes = std::max<int32_t>(1, o.passes);
  // Each thread reads a whole number of 128-byte steps, slices start page-aligned.
  const uint64_t slice = std::max<uint64_t>(
      kAlign * kPieces, o.buffer_bytes / threads / (kAlign * kPieces) * (kAlign * kPieces));
  const uint64_t bytes = slice * static_cast<uint64_t>(threads);
  std::unique_ptr<uint8_t, FreeDeleter> buf(
      static_cast<uint8_t*>(std::aligned_alloc(kAlign, bytes)));
  if (!buf) {
    throw Error("memory bandwidth probe: cannot allocate " + std::to_string(bytes >> 20) +
                " MiB (use a smaller buffer)");
  }
  ThreadPool pool(threads);
  // First touch from the reading thread: its pages are local to it on a NUMA machine.
  pool.parallel_for(threads, [&](int64_t t, int) {
    std::memset(buf.get() + static_cast<uint64_t>(t) * slice, static_cast<int>(t + 1), slice);
  });
  const SumFn sum_slice = pick_sum();
  std::vector<uint64_t> sums(static_cast<size_t>(threads));
  double best = 0;
  for (int32_t pass = 0; pass < passes; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    // Each slice in kPieces tasks: the pool hands tasks to whichever thread is free, so a
    // thread woken late still gets its share of the reading.
    pool.parallel_for(int64_t{threads} * kPieces, [&](int64_t i, int thread) {
      const uint64_t piece = slice / kPieces;
      sums[static_cast<size_t>(thread)] +=
          sum_slice(buf.get() + static_cast<uint64_t>(i) * piece, piece);
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (pass == 0 || s < best) best = s;
  }
  // Keep the sums observable so the reads cannot be optimized away.
  uint64_t check = 0;
  for (const uint64_t s : sums) check ^= s;
  asm volatile("" : : "r"(check));
  return MembwResult{.gb_per_s = static_cast<double>(bytes) / best / 1e9,
                     .best_s = best,
                     .buffer_bytes = bytes,
                     .threads = threads,
                     .passes = passes};
}

}  // namespace minke
