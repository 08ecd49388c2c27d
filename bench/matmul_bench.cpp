// Kernel micro-benchmark (Google Benchmark): one matmul of every weight type the x86 paths
// repack, on every kernel path this CPU runs, at decode (M = 1) and prefill (M = 512) shapes,
// one thread. Reports GMAC/s and, at M = 1, the weight bytes streamed per second. Also one
// decode token's Multi-head Latent Attention at DeepSeek-V2-Lite's shape (16 heads, 576-wide
// latent rows, 512 values) over 1k and 4k cached tokens, and one decode token's grouped-query
// attention at Llama-3.2-1B's layer shape over 4k and 16k cached f16 tokens.
//   build/minke_matmul_bench [--benchmark_filter=Q4_K|mla]
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "core/fp16.h"
#include "kernels/kernel_table.h"
#include "kernels/ref/test_weights.h"
#include "kv/kv_cache.h"

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

void run_mla(benchmark::State& state, const KernelTable* table, int32_t n_tokens) {
  constexpr int32_t kHeads = 16, kWidth = 576, kValues = 512, kBlock = 16;
  std::mt19937 rng(2);
  const std::vector<float> rows = testing::random_floats(rng, int64_t{n_tokens} * kWidth);
  std::vector<uint16_t> pool(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) pool[i] = f32_to_fp16(rows[i]);
  std::vector<int32_t> blocks;
  for (int32_t b = 0; b < n_tokens / kBlock; ++b) blocks.push_back(b);
  const MlaView kv{pool.data(), kBlock, kWidth, kValues, blocks, n_tokens};
  const std::vector<float> q = testing::random_floats(rng, int64_t{kHeads} * kWidth, 0.1f);
  std::vector<float> scratch(static_cast<size_t>(mla_scratch_floats(kHeads, n_tokens, kWidth)));
  std::vector<float> out(static_cast<size_t>(kHeads) * kValues);
  for (auto _ : state) {
    table->attention_mla_f16(q.data(), kWidth, kHeads, n_tokens - 1, kv, 0.07f, scratch.data(),
                             out.data(), kValues);
    benchmark::DoNotOptimize(out.data());
  }
  const double macs = static_cast<double>(kHeads) * n_tokens * (kWidth + kValues);
  state.counters["GMAC/s"] =
      benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// One decode token's attention at a Llama-3.2-1B layer's shape (32 query heads over 8 KV heads
// of 64 dimensions) through the backend (the heads of a KV head as one kernel call), one thread.
void run_gqa(benchmark::State& state, const KernelTable* table, int32_t n_tokens) {
  constexpr int32_t kHeads = 32, kKvHeads = 8, kDim = 64, kBlock = kKvBlockSize;
  std::mt19937 rng(3);
  auto be = make_cpu_backend({.n_threads = 1, .kernels = table});
  const KvLayout layout{kBlock, kKvHeads, kDim};
  const int32_t n_blocks = n_tokens / kBlock;
  const KvStore store = be->alloc_kv(n_blocks, layout);
  std::vector<int32_t> blocks, slots;
  for (int32_t b = 0; b < n_blocks; ++b) blocks.push_back(b);
  constexpr int32_t kFill = 1024;  // KV rows stored per step
  const std::vector<float> kv = testing::random_floats(rng, int64_t{kFill} * kKvHeads * kDim);
  for (int32_t t0 = 0; t0 < n_tokens; t0 += kFill) {
    be->begin_step();
    slots.clear();
    for (int32_t t = t0; t < t0 + kFill; ++t) slots.push_back(t);
    const Tensor k = be->alloc(kFill, kKvHeads * kDim), v = be->alloc(kFill, kKvHeads * kDim);
    be->upload(kv, k);
    be->upload(kv, v);
    be->store_kv(k, v, slots, store);
  }
  const std::vector<float> q = testing::random_floats(rng, int64_t{kHeads} * kDim);
  const AttentionParams p{.n_head = kHeads};
  const int32_t pos[] = {n_tokens - 1};
  const AttnSeq seq{0, 1, blocks, n_tokens};
  for (auto _ : state) {
    be->begin_step();
    const Tensor qt = be->alloc(1, kHeads * kDim);
    be->upload(q, qt);
    benchmark::DoNotOptimize(be->attention(qt, pos, store, {&seq, 1}, p).data);
  }
  const double bytes = 2.0 * n_tokens * kKvHeads * kDim * sizeof(uint16_t);
  state.counters["KV_GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

int register_all() {
  const GgmlType types[] = {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                            GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q5_K,
                            GgmlType::Q6_K, GgmlType::F16,  GgmlType::MXFP4};
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
  for (const KernelTable* table : host_kernel_tables()) {
    for (const int32_t n : {1024, 4096}) {
      const std::string name = std::string(table->name) + "/mla/ctx" + std::to_string(n);
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) {
        run_mla(s, table, n);
      })->Unit(benchmark::kMillisecond);
    }
    for (const int32_t n : {4096, 16384}) {
      const std::string name = std::string(table->name) + "/gqa/ctx" + std::to_string(n);
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) {
        run_gqa(s, table, n);
      })->Unit(benchmark::kMillisecond);
    }
  }
  return 0;
}
const int kRegistered = register_all();

}  // namespace
}  // namespace minke

BENCHMARK_MAIN();
