// CpuBackend: the determinism contract (a token's outputs are bit-identical alone or in a
// batch, with 1, 2 or 3 threads) for matmul and attention, and the plumbing of every op.
#include "backend/cpu/cpu_backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/ref/ops.h"
#include "kernels/ref/test_weights.h"

namespace minke {
namespace {

using testing::dequantize_weight;
using testing::random_floats;
using testing::random_weight;

std::vector<float> to_host(Backend& be, const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.rows * t.cols));
  be.download(t, v);
  return v;
}

Tensor from_host(Backend& be, const std::vector<float>& v, int64_t rows, int64_t cols) {
  Tensor t = be.alloc(rows, cols);
  be.upload(v, t);
  return t;
}

class BackendMatmul : public ::testing::TestWithParam<GgmlType> {};

// On every kernel path the CPU runs: bit-identical across batch and threads, and to the
// reference path (the x86 kernels reduce in the reference's order).
TEST_P(BackendMatmul, BitIdenticalAcrossBatchAndThreads) {
  const GgmlType type = GetParam();
  constexpr int64_t kM = 37, kN = 70, kK = 512;
  std::mt19937 rng(99);
  const std::vector<uint8_t> w = random_weight(rng, type, kN, kK);
  const std::vector<float> x = random_floats(rng, kM * kK);
  const WeightView file_view{type, w.data(), kN, kK};
  std::vector<float> ref_y;
  for (const KernelTable* table : host_kernel_tables()) {
    auto make = [&](int threads, WeightView* wv) {
      auto be = make_cpu_backend({.n_threads = threads, .kernels = table});
      *wv = be->prepare_weight(file_view, {});
      return be;
    };
    auto batch = [&](int threads) {
      WeightView wv;
      auto be = make(threads, &wv);
      be->begin_step();
      return to_host(*be, be->matmul(from_host(*be, x, kM, kK), wv));
    };
    const std::vector<float> y1 = batch(1);
    if (ref_y.empty()) ref_y = y1;  // host_kernel_tables() lists "ref" first
    EXPECT_EQ(std::memcmp(y1.data(), ref_y.data(), y1.size() * sizeof(float)), 0) << table->name;
    for (int threads : {2, 3}) {
      const std::vector<float> yt = batch(threads);
      EXPECT_EQ(std::memcmp(y1.data(), yt.data(), y1.size() * sizeof(float)), 0)
          << table->name << " threads " << threads;
    }
    WeightView wv;
    auto be = make(2, &wv);
    for (int64_t m = 0; m < kM; ++m) {
      be->begin_step();
      const std::vector<float> row(x.begin() + m * kK, x.begin() + (m + 1) * kK);
      const std::vector<float> alone = to_host(*be, be->matmul(from_host(*be, row, 1, kK), wv));
      ASSERT_EQ(std::memcmp(alone.data(), &y1[m * kN], kN * sizeof(float)), 0)
          << table->name << " row " << m;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllWeightTypes, BackendMatmul,
                         ::testing::Values(GgmlType::F32, GgmlType::F16, GgmlType::BF16,
                                           GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                                           GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,
                                           GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                                           GgmlType::Q6_K),
                         [](const auto& info) { return std::string(ggml_type_name(info.param)); });

// Narrow matmuls (DeepSeek's per-head up-projections: K = 32..128, N = 64..512) on every path
// against the reference path, bit for bit, for row counts across the kernels' M tiles.
TEST(CpuBackend, NarrowMatmulsBitIdenticalToReference) {
  std::mt19937 rng(23);
  for (const GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::Q8_0}) {
    for (const int64_t k : {32, 64, 128}) {
      const int64_t n = 64, m = 40;
      const std::vector<uint8_t> w = random_weight(rng, type, n, k);
      const std::vector<float> x = random_floats(rng, m * k);
      std::vector<float> want;
      for (const KernelTable* table : host_kernel_tables()) {
        auto be = make_cpu_backend({.n_threads = 2, .kernels = table});
        const WeightView wv = be->prepare_weight({type, w.data(), n, k}, {});
        be->begin_step();
        const std::vector<float> y = to_host(*be, be->matmul(from_host(*be, x, m, k), wv));
        if (want.empty()) want = y;
        for (int64_t r = 0; r < m; ++r) {
          ASSERT_EQ(std::memcmp(&y[r * n], &want[r * n], n * sizeof(float)), 0)
              << ggml_type_name(type) << " k " << k << " " << table->name << " row " << r;
        }
      }
    }
  }
}

// Expert matmuls: every routed row bit-identical to matmul() of that row with its expert (and
// its bias: gpt-oss), on every kernel path and thread count, whatever the grouping; experts
// nobody chose are never prepared (nor read).
TEST(CpuBackend, MatmulExpertsBitIdenticalToMatmul) {
  constexpr int64_t kN = 40, kK = 256, kExperts = 5, kRows = 11;
  std::mt19937 rng(21);
  std::vector<std::vector<float>> bias_data;
  std::vector<WeightView> biases;
  for (int e = 0; e < kExperts; ++e) {
    bias_data.push_back(random_floats(rng, kN));
    biases.push_back({GgmlType::F32, bias_data.back().data(), 1, kN});
  }
  for (const GgmlType type : {GgmlType::Q4_K, GgmlType::Q8_0, GgmlType::F16, GgmlType::MXFP4}) {
    std::vector<std::vector<uint8_t>> w;
    for (int e = 0; e < kExperts; ++e) w.push_back(random_weight(rng, type, kN, kK));
    const std::vector<float> x = random_floats(rng, kRows * kK);
    // Rows 0-3 to expert 4, 4-4 to expert 0, 5-10 to expert 2; experts 1 and 3 unused.
    const std::vector<ExpertRows> groups = {{.expert = 4, .row0 = 0, .n_rows = 4},
                                            {.expert = 0, .row0 = 4, .n_rows = 1},
                                            {.expert = 2, .row0 = 5, .n_rows = 6}};
    for (const KernelTable* table : host_kernel_tables()) {
      for (const int threads : {1, 3}) {
        auto be = make_cpu_backend({.n_threads = threads, .kernels = table});
        std::vector<WeightView> views, experts;
        for (const auto& we : w) views.push_back(be->prepare_weight({type, we.data(), kN, kK}, {}));
        const size_t dense_bytes = be->prepared_bytes();
        for (const auto& we : w)
          experts.push_back(be->prepare_expert({type, we.data(), kN, kK}, {}));
        EXPECT_EQ(be->prepared_bytes(), dense_bytes) << "experts are prepared when first used";
        be->begin_step();
        const std::vector<float> y =
            to_host(*be, be->matmul_experts(from_host(*be, x, kRows, kK), experts, groups));
        // Only the three experts routed to were packed (when this path packs at all).
        EXPECT_EQ(be->prepared_bytes(), dense_bytes + dense_bytes / kExperts * 3);
        const std::vector<float> yb =
            to_host(*be, be->matmul_experts(from_host(*be, x, kRows, kK), experts, groups, biases));
        for (const ExpertRows& g : groups) {
          const auto e = static_cast<size_t>(g.expert);
          for (int64_t r = g.row0; r < g.row0 + g.n_rows; ++r) {
            const std::vector<float> row(x.begin() + r * kK, x.begin() + (r + 1) * kK);
            const Tensor xr = from_host(*be, row, 1, kK);
            const std::vector<float> alone = to_host(*be, be->matmul(xr, views[e]));
            const std::vector<float> biased = to_host(*be, be->matmul(xr, views[e], &biases[e]));
            ASSERT_EQ(std::memcmp(alone.data(), &y[r * kN], kN * sizeof(float)), 0)
                << ggml_type_name(type) << " " << table->name << " threads " << threads << " row "
                << r;
            ASSERT_EQ(std::memcmp(biased.data(), &yb[r * kN], kN * sizeof(float)), 0)
                << ggml_type_name(type) << " " << table->name << " biased, row " << r;
          }
        }
      }
    }
  }
}

TEST(CpuBackend, RouteAndWeightedSumRows) {
  auto be = make_cpu_backend({.n_threads = 2});
  be->begin_step();
  std::mt19937 rng(22);
  const RouteParams p{
      .n_expert = 16, .n_used = 4, .gating = Gating::kSoftmax, .norm_weights = true};
  const std::vector<float> logits = random_floats(rng, 3 * 16, 3.0f);
  std::vector<int32_t> ids(12);
  std::vector<float> weights(12);
  be->route(from_host(*be, logits, 3, 16), nullptr, p, ids, weights);
  for (int m = 0; m < 3; ++m) {
    std::vector<int32_t> want_ids(4);
    std::vector<float> want_w(4), scratch(32);
    route_f32(&logits[m * 16], nullptr, p, scratch.data(), want_ids.data(), want_w.data());
    EXPECT_EQ(std::vector<int32_t>(ids.begin() + m * 4, ids.begin() + m * 4 + 4), want_ids);
    EXPECT_EQ(std::vector<float>(weights.begin() + m * 4, weights.begin() + m * 4 + 4), want_w);
  }
  // Output row m = sum_j w[m, j] * x[rows[m, j]], j in order, each product rounded first.
  const std::vector<float> x = random_floats(rng, 5 * 8);
  const std::vector<int32_t> rows = {4, 0, 2, 2, 1, 3};
  const std::vector<float> w = {0.5f, 0.25f, 1.0f, -2.0f, 0.125f, 3.0f};
  const std::vector<float> y =
      to_host(*be, be->weighted_sum_rows(from_host(*be, x, 5, 8), rows, w, 2));
  ASSERT_EQ(y.size(), 3u * 8);
  for (int m = 0; m < 3; ++m) {
    for (int c = 0; c < 8; ++c) {
      float want = 0.0f;
      for (int j = 0; j < 2; ++j) {
        const float prod = x[rows[m * 2 + j] * 8 + c] * w[m * 2 + j];
        want += prod;
      }
      EXPECT_EQ(y[m * 8 + c], want) << m << " " << c;
    }
  }
}

TEST(CpuBackend, MatmulBiasOnStridedInput) {
  auto be = make_cpu_backend({.n_threads = 2});
  be->begin_step();
  std::mt19937 rng(5);
  const std::vector<float> w = random_floats(rng, 3 * 64), b = {1.0f, 2.0f, 3.0f};
  const std::vector<float> x = random_floats(rng, 2 * 80);
  const Tensor xt = from_host(*be, x, 2, 80).col_range(16, 64);  // stride 80, cols 64
  const WeightView wv{GgmlType::F32, w.data(), 3, 64}, bv{GgmlType::F32, b.data(), 1, 3};
  const std::vector<float> y = to_host(*be, be->matmul(xt, wv, &bv));
  for (int m = 0; m < 2; ++m) {
    for (int n = 0; n < 3; ++n) {
      double ref = b[n];
      for (int k = 0; k < 64; ++k) ref += double{w[n * 64 + k]} * x[m * 80 + 16 + k];
      EXPECT_NEAR(y[m * 3 + n], ref, 1e-4);
    }
  }
}

TEST(CpuBackend, GetRowsDequantizesAndGatherPicks) {
  auto be = make_cpu_backend({.n_threads = 2});
  be->begin_step();
  std::mt19937 rng(6);
  for (GgmlType type : {GgmlType::Q4_K, GgmlType::F16, GgmlType::Q4_1}) {
    const std::vector<uint8_t> table = random_weight(rng, type, 10, 256);
    const std::vector<float> ref = dequantize_weight(type, table, 10, 256);
    const std::vector<int32_t> ids = {3, 0, 9, 3};
    const Tensor e = be->get_rows({type, table.data(), 10, 256}, ids);
    const std::vector<float> got = to_host(*be, e);
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(std::memcmp(&got[i * 256], &ref[ids[i] * 256], 256 * sizeof(float)), 0);
    }
    const std::vector<int32_t> pick = {2};
    const std::vector<float> last = to_host(*be, be->gather_rows(e, pick));
    EXPECT_EQ(std::memcmp(last.data(), &ref[9 * 256], 256 * sizeof(float)), 0);
  }
}

TEST(CpuBackend, RowOpsMatchKernels) {
  auto be = make_cpu_backend({.n_threads = 3});
  be->begin_step();
  std::mt19937 rng(8);
  const std::vector<float> x = random_floats(rng, 4 * 128), y = random_floats(rng, 4 * 128);
  const std::vector<float> w = random_floats(rng, 32);
  const Tensor xt = from_host(*be, x, 4, 128), yt = from_host(*be, y, 4, 128);
  // Per-head norm: each 32-wide segment normalised with the same weight.
  const std::vector<float> n =
      to_host(*be, be->rms_norm(xt, {GgmlType::F32, w.data(), 1, 32}, 1e-6f));
  std::vector<float> expect(32);
  for (int seg = 0; seg < 16; ++seg) {
    rms_norm_f32(&x[seg * 32], w.data(), 1e-6f, expect.data(), 32);
    EXPECT_EQ(std::memcmp(&n[seg * 32], expect.data(), 32 * sizeof(float)), 0) << seg;
  }
  const std::vector<float> s = to_host(*be, be->silu_mul(xt, yt));
  const std::vector<float> g = to_host(*be, be->gelu_mul(xt, yt));
  std::vector<float> es(x.size()), eg(x.size());
  silu_mul_f32(x.data(), y.data(), es.data(), 512);
  gelu_mul_f32(x.data(), y.data(), eg.data(), 512);
  EXPECT_EQ(s, es);
  EXPECT_EQ(g, eg);
  be->add(xt, yt);
  be->scale(xt, 2.0f);
  const std::vector<float> w128 = random_floats(rng, 128);
  be->mul(xt, {GgmlType::F32, w128.data(), 1, 128});
  const std::vector<float> r = to_host(*be, xt);
  for (int i = 0; i < 512; ++i) EXPECT_EQ(r[i], ((x[i] + y[i]) * 2.0f) * w128[i % 128]);
}

TEST(CpuBackend, ArenaStopsGrowingAfterFirstStep) {
  auto be = make_cpu_backend({.n_threads = 1});
  std::vector<float*> first;
  for (int step = 0; step < 3; ++step) {
    be->begin_step();
    std::vector<float*> ptrs;
    for (int i = 0; i < 8; ++i) ptrs.push_back(be->alloc(512, 512).data);  // 8 MiB > 1 MiB
    if (step == 1) first = ptrs;
    if (step == 2) {
      EXPECT_EQ(ptrs, first);  // same addresses: no new chunk after the merge
    }
  }
}

// Scratch scopes: a layer's temporaries reuse the last layer's memory, what was allocated
// before the scope survives it, and the merged chunk is sized for the peak, not the sum.
TEST(CpuBackend, ScratchScopesReuseMemory) {
  auto be = make_cpu_backend({.n_threads = 1});
  for (int step = 0; step < 3; ++step) {
    be->begin_step();
    const Tensor keep = be->alloc(4, 4);
    keep.data[0] = 42.0f;
    std::vector<float*> layer_ptrs;
    for (int layer = 0; layer < 6; ++layer) {
      const ScratchScope scope(*be);
      float* p = be->alloc(1024, 1024).data;  // 4 MiB per layer, 24 MiB over the step
      p[0] = static_cast<float>(layer);
      layer_ptrs.push_back(p);
    }
    EXPECT_EQ(keep.data[0], 42.0f);
    if (step > 0) {  // after the first step's merge: one chunk, every layer at one address
      for (float* p : layer_ptrs) EXPECT_EQ(p, layer_ptrs[0]);
    }
  }
}

// Two sequences in one batch (a 3-token prefill continuing a cache, and a 1-token decode) give
// the same bits as each computed alone, with 1 or 2 threads, and match the ref kernel.
TEST(CpuBackend, AttentionBatchInvariantOverPagedCache) {
  const KvLayout layout{.block_size = 4, .n_head_kv = 2, .head_dim = 16};
  const AttentionParams p{.n_head = 4, .window = 5};
  std::mt19937 rng(10);
  // Sequence A: positions 0..9 in blocks {6, 1, 4}; sequence B: positions 0..4 in {0, 3}.
  const std::vector<int32_t> table_a = {6, 1, 4}, table_b = {0, 3};
  const std::vector<float> ka = random_floats(rng, 10 * 32), va = random_floats(rng, 10 * 32);
  const std::vector<float> kb = random_floats(rng, 5 * 32), vb = random_floats(rng, 5 * 32);
  const std::vector<float> q = random_floats(rng, 4 * 64);  // rows: A@7, A@8, A@9, B@4
  const std::vector<int32_t> pos = {7, 8, 9, 4};

  auto run = [&](int threads, bool together) {
    auto be = make_cpu_backend({.n_threads = threads});
    const KvStore store = be->alloc_kv(8, layout);
    be->begin_step();
    std::vector<int32_t> slots_a, slots_b;
    for (int32_t t = 0; t < 10; ++t) slots_a.push_back(table_a[t / 4] * 4 + t % 4);
    for (int32_t t = 0; t < 5; ++t) slots_b.push_back(table_b[t / 4] * 4 + t % 4);
    be->store_kv(from_host(*be, ka, 10, 32), from_host(*be, va, 10, 32), slots_a, store);
    be->store_kv(from_host(*be, kb, 5, 32), from_host(*be, vb, 5, 32), slots_b, store);
    const Tensor qt = from_host(*be, q, 4, 64);
    if (together) {
      const AttnSeq seqs[] = {{0, 3, table_a, 10}, {3, 1, table_b, 5}};
      return to_host(*be, be->attention(qt, pos, store, seqs, p));
    }
    std::vector<float> out;
    for (int r = 0; r < 4; ++r) {
      const AttnSeq seq = r < 3 ? AttnSeq{0, 1, table_a, 10} : AttnSeq{0, 1, table_b, 5};
      const std::vector<int32_t> one = {pos[r]};
      const std::vector<float> o =
          to_host(*be, be->attention(qt.row_range(r, 1), one, store, {&seq, 1}, p));
      out.insert(out.end(), o.begin(), o.end());
    }
    return out;
  };
  const std::vector<float> base = run(1, true);
  EXPECT_EQ(base, run(2, true));
  EXPECT_EQ(base, run(1, false));
  EXPECT_EQ(base, run(2, false));
  // 4 threads, 2 KV heads: each decode row's group of 2 heads is split over 2 tasks.
  EXPECT_EQ(base, run(4, false));
  EXPECT_EQ(base, run(4, true));

  // Row 3 (B at position 4, head 2 -> kv head 1) against the kernel on a contiguous copy.
  std::vector<uint16_t> k16(5 * 32), v16(5 * 32);
  for (int t = 0; t < 5; ++t) {
    for (int h = 0; h < 2; ++h) {
      for (int d = 0; d < 16; ++d) {
        const KvLayout l{5, 2, 16};
        k16[static_cast<size_t>(kv_k_index(l, 0, h, t, d))] = f32_to_fp16(kb[t * 32 + h * 16 + d]);
        v16[static_cast<size_t>(kv_v_index(l, 0, h, t, d))] = f32_to_fp16(vb[t * 32 + h * 16 + d]);
      }
    }
  }
  const int32_t one_block[] = {0};
  const KvView view{k16.data(), v16.data(), {5, 2, 16}, one_block, 5};
  std::vector<float> scratch(5), out(16);
  attention_row_f16kv_f32(&q[3 * 64 + 2 * 16], 4, 2, view, p, scratch.data(), out.data());
  EXPECT_EQ(0, std::memcmp(out.data(), &base[3 * 64 + 2 * 16], 16 * sizeof(float)));
}

// The same on this CPU's best kernels (block size 16, the SIMD kernels' layout) with a long
// decoding sequence (three key chunks) batched with a 3-token prefill: prefill tiles of tokens
// times a KV group's heads; the decode on 1 or 2 threads whole, on 3 or 4 (more than the 2 KV
// heads) split by key chunks; alone or batched: the same bits. A short decode on 4 threads
// splits its heads instead (AttentionBatchInvariantOverPagedCache).
TEST(CpuBackend, AttentionSplitByKeysIsBatchInvariant) {
  const KvLayout layout{.block_size = 16, .n_head_kv = 2, .head_dim = 64};
  const AttentionParams p{.n_head = 6};
  const int32_t n_a = 1250, n_b = 40, blocks_a = (n_a + 15) / 16, blocks_b = (n_b + 15) / 16;
  std::mt19937 rng(3);
  std::vector<int32_t> table_a, table_b;  // the two sequences' blocks interleaved, in reverse
  for (int32_t b = blocks_a + blocks_b - 1; b >= 0; --b) {
    const bool to_b = b % 9 == 4 && static_cast<int32_t>(table_b.size()) < blocks_b;
    (to_b ? table_b : table_a).push_back(b);
  }
  const std::vector<float> ka = random_floats(rng, n_a * 128), va = random_floats(rng, n_a * 128);
  const std::vector<float> kb = random_floats(rng, n_b * 128), vb = random_floats(rng, n_b * 128);
  const std::vector<float> q = random_floats(rng, 4 * 384);  // rows: A@1249, B@37, B@38, B@39
  const std::vector<int32_t> pos = {n_a - 1, n_b - 3, n_b - 2, n_b - 1};

  auto run = [&](int threads, bool together) {
    auto be = make_cpu_backend({.n_threads = threads});
    const KvStore store = be->alloc_kv(blocks_a + blocks_b, layout);
    be->begin_step();
    std::vector<int32_t> slots_a, slots_b;
    for (int32_t t = 0; t < n_a; ++t) slots_a.push_back(table_a[t / 16] * 16 + t % 16);
    for (int32_t t = 0; t < n_b; ++t) slots_b.push_back(table_b[t / 16] * 16 + t % 16);
    be->store_kv(from_host(*be, ka, n_a, 128), from_host(*be, va, n_a, 128), slots_a, store);
    be->store_kv(from_host(*be, kb, n_b, 128), from_host(*be, vb, n_b, 128), slots_b, store);
    const Tensor qt = from_host(*be, q, 4, 384);
    const AttnSeq a{0, 1, table_a, n_a};
    if (together) {
      const AttnSeq seqs[] = {a, {1, 3, table_b, n_b}};
      return to_host(*be, be->attention(qt, pos, store, seqs, p));
    }
    return to_host(*be, be->attention(qt.row_range(0, 1), {pos.data(), 1}, store, {&a, 1}, p));
  };
  const std::vector<float> base = run(1, true);
  const std::vector<float> a_row(base.begin(), base.begin() + 384);
  for (const int threads : {2, 3, 4}) {
    EXPECT_EQ(base, run(threads, true)) << threads << " threads";
    EXPECT_EQ(a_row, run(threads, false)) << threads << " threads";
  }
  EXPECT_EQ(a_row, run(1, false));
}

}  // namespace
}  // namespace minke
