// Kernel micro-benchmark (Google Benchmark): one matmul of every weight type the x86 paths
// repack, on every kernel path this CPU runs, at decode (M = 1) and prefill (M = 512) shapes,
// one thread. Reports GMAC/s and, at M = 1, the weight bytes streamed per second.
//   build/minke_matmul_bench [--benchmark_filter=Q4_K]
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "kernels/kernel_table.h"
#include "kernels/ref/test_weights.h"

namespace minke {
namespace {

void run(benchmark::State& state, const KernelTable* table, GgmlType type, int64_t m) {
  constexpr int64_t kN = 4864, kK = 1024;  // a Qwen2.5-0.5B-sized up projection, K % 256 == 0
  std::mt19937 rng(1);
  const std::vector<uint8_t> w = testing::random_weight(rng, type, kN, kK);
  const std::vector<float> x = testing::random_floats(rng, m * kK);
  auto be = make_cpu_backend({.n_threads = 1, .kernels = table});
  const WeightView wv = be->prepare_weight({type, w.data(), kN, kK}, {});
  for (auto _ : state) {
    be->begin_step();
    const Tensor xt = be->alloc(m, kK);
    be->upload(x, xt);
    benchmark::DoNotOptimize(be->matmul(xt, wv).data);
  }
  const double macs = static_cast<double>(m) * kN * kK;
  state.counters["GMAC/s"] =
      benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["weight_GB/s"] = benchmark::Counter(static_cast<double>(w.size()) * 1e-9,
                                                     benchmark::Counter::kIsIterationInvariantRate);
}

int register_all() {
  const GgmlType types[] = {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q8_0,
                            GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F16};
  for (const KernelTable* table : host_kernel_tables()) {
    for (GgmlType type : types) {
      for (int64_t m : {1, 512}) {
        const std::string name = std::string(table->name) + "/" +
                                 std::string(ggml_type_name(type)) + "/M" + std::to_string(m);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) {
          run(s, table, type, m);
        })->Unit(benchmark::kMillisecond);
      }
    }
  }
  return 0;
}
const int kRegistered = register_all();

}  // namespace
}  // namespace minke

BENCHMARK_MAIN();
