// Every matmul kernel of every kernel path this CPU runs against the scalar reference, on random
// weights of every type and awkward shapes (M = 1, 2, 7, 64, 513; N and K not multiples of the
// tiles): the x86 paths reduce in the reference's order, so y must be bit-identical (memcmp),
// whatever rectangle split the backend uses. Paths the CPU lacks are reported, not hidden.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "kernels/ref/test_weights.h"

namespace minke {
namespace {

using testing::random_floats;
using testing::random_weight;

struct Shape {
  int64_t m, n, k;
};

// y = x W^T through `kern` (packing the weight first when the kernel has its own layout), the
// rectangle cut into pieces of m_step x n_step (n_step rounded to the kernel's granule), with
// decode tiles prefetching `prefetch` bytes ahead (a hint that must not change y).
std::vector<float> run(const MatmulKernel& kern, const std::vector<uint8_t>& w,
                       const std::vector<float>& x, const Shape& s, int64_t m_step, int64_t n_step,
                       size_t prefetch = 0) {
  const GgmlTypeInfo& wi = ggml_type_info(kern.weight_type);
  const size_t row_bytes = static_cast<size_t>(s.k / wi.block_size) * wi.type_size;
  std::vector<uint8_t> packed;
  const void* wp = w.data();
  size_t stride = row_bytes;
  if (kern.pack != nullptr) {
    const int64_t granules = (s.n + kern.n_granule - 1) / kern.n_granule;
    stride = kern.granule_bytes(s.k);
    packed.assign(stride * static_cast<size_t>(granules), 0xAB);
    for (int64_t g = 0; g < granules; ++g) {
      kern.pack(w.data(), row_bytes, s.n, s.k, g, packed.data() + g * stride);
    }
    wp = packed.data();
  }
  const size_t xrb = kern.act_row_bytes(s.k);
  std::vector<uint8_t> xq(xrb * static_cast<size_t>(s.m));
  for (int64_t r = 0; r < s.m; ++r) kern.quantize_act(&x[r * s.k], &xq[r * xrb], s.k);
  // Canary-filled output one column wider than N: kernels must not write past column n - 1.
  const int64_t ys = s.n + 1;
  std::vector<float> y(static_cast<size_t>(s.m * ys), -12345.0f);
  const MatmulArgs args{wp, stride, xq.data(), xrb, y.data(), ys, s.k, s.n, prefetch};
  const int64_t g = kern.n_granule;
  n_step = (n_step + g - 1) / g * g;
  for (int64_t m0 = 0; m0 < s.m; m0 += m_step) {
    for (int64_t n0 = 0; n0 < s.n; n0 += n_step) {
      kern.matmul(args, m0, std::min(s.m, m0 + m_step), n0, std::min(s.n, n0 + n_step));
    }
  }
  for (int64_t r = 0; r < s.m; ++r) EXPECT_EQ(y[r * ys + s.n], -12345.0f) << "wrote past n";
  return y;
}

TEST(MatmulPaths, EveryPathBitIdenticalToReference) {
  for (const KernelPath& p : kernel_paths()) {
    if (p.table == nullptr && std::string(p.name) == "amx") {
      std::printf("skipped: CPU lacks AMX (amx path: %s)\n", p.missing.c_str());
    } else if (p.table == nullptr) {
      std::printf("skipped: %s path: CPU lacks %s\n", p.name, p.missing.c_str());
    }
  }
  const KernelTable& ref = ref_kernels();
  int compared = 0;
  for (const KernelTable* table : host_kernel_tables()) {
    if (table == &ref) continue;
    for (const MatmulKernel& kern : table->matmul) {
      if (kern.matmul == nullptr) continue;
      const MatmulKernel* rk = find_matmul(ref, kern.weight_type);
      ASSERT_NE(rk, nullptr);
      if (rk->matmul == kern.matmul) continue;  // inherited from the reference
      const int64_t bs = ggml_type_info(kern.weight_type).block_size;
      // N = 69: two pairs of AVX-512 granules (kernels that take two at once), then a tail.
      // M = 64 and 513: whole and partial 16-row AMX tiles; K = 100 legacy blocks or 12
      // super-blocks: more than one AMX unpack chunk, so y carries the sum between chunks.
      const int64_t long_k = (bs == 256 ? 12 : 100) * bs;
      const Shape shapes[] = {{1, 1, bs},   {1, 40, 2 * bs}, {2, 17, 3 * bs}, {7, 33, 2 * bs},
                              {64, 24, bs}, {513, 19, bs},   {3, 69, 2 * bs}, {48, 37, long_k}};
      for (const Shape& s : shapes) {
        std::mt19937 rng(static_cast<unsigned>(7 * s.m + s.n + 1000 * s.k) +
                         static_cast<unsigned>(kern.weight_type));
        const std::vector<uint8_t> w = random_weight(rng, kern.weight_type, s.n, s.k);
        std::vector<float> x = random_floats(rng, s.m * s.k);
        // Some exact zeros and a large row, so all-zero blocks and big scales are covered.
        for (int64_t i = 0; i < std::min<int64_t>(s.k, 64); ++i) x[i] = 0.0f;
        if (s.m > 1) {
          for (int64_t i = 0; i < s.k; ++i) x[s.k + i] *= 1000.0f;
        }
        // A constant negative row: every block sum at its extreme (-32 * 127 per 32 elements,
        // the low end of BlockQ8_KS's split).
        if (s.m > 2) {
          for (int64_t i = 0; i < s.k; ++i) x[2 * s.k + i] = -1.0f;
        }
        const std::vector<float> want = run(*rk, w, x, s, s.m, s.n);
        const std::vector<float> whole = run(kern, w, x, s, s.m, s.n);
        const std::vector<float> split = run(kern, w, x, s, 3, 1, 4096);
        const std::vector<float> split_tiles = run(kern, w, x, s, 40, 32);
        const std::string what = std::string(table->name) + " " + kern.name +
                                 " M=" + std::to_string(s.m) + " N=" + std::to_string(s.n) +
                                 " K=" + std::to_string(s.k);
        EXPECT_EQ(std::memcmp(want.data(), whole.data(), want.size() * sizeof(float)), 0) << what;
        EXPECT_EQ(std::memcmp(want.data(), split.data(), want.size() * sizeof(float)), 0)
            << what << " (split)";
        EXPECT_EQ(std::memcmp(want.data(), split_tiles.data(), want.size() * sizeof(float)), 0)
            << what << " (40-row split)";
        ++compared;
      }
    }
  }
  std::printf("compared %d (path, kernel, shape) cases bit for bit\n", compared);
}

TEST(MatmulPaths, ForcedPathErrorsAreClear) {
  for (const KernelPath& p : kernel_paths()) {
    if (p.table != nullptr) {
      EXPECT_STREQ(p.table->name, p.name);
    } else {
      EXPECT_FALSE(p.missing.empty()) << p.name;
    }
  }
  EXPECT_STREQ(host_kernel_tables().front()->name, "ref");
}

}  // namespace
}  // namespace minke
