// CpuBackend: each op validates shapes (MINKE_CHECK: shape errors are programming errors in
// model code), takes its output and scratch from the arena, and runs a kernel over a static
// task split with the thread pool.
#include "backend/cpu/cpu_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "backend/cpu/arena.h"
#include "backend/cpu/slab_allocator.h"
#include "core/check.h"
#include "core/thread_pool.h"
#include "minke/error.h"

namespace minke {
namespace {

// Largest head_dim store_kv converts on the stack.
constexpr int32_t kMaxHeadDim = 1024;

// Checks that seqs cover the rows [0, n_rows) of an attention call, each row at a position its
// sequence holds; returns the longest sequence's token count (the scratch a task needs).
int32_t check_seqs(std::span<const AttnSeq> seqs, std::span<const int32_t> pos, int64_t n_rows,
                   int32_t block_size) {
  int64_t covered = 0;
  int32_t max_tokens = 1;
  for (const AttnSeq& seq : seqs) {
    MINKE_CHECK(seq.row0 >= 0 && seq.row0 + seq.n_rows <= n_rows);
    MINKE_CHECK(static_cast<int64_t>(seq.block_table.size()) * block_size >= seq.n_tokens);
    for (int64_t r = seq.row0; r < seq.row0 + seq.n_rows; ++r) {
      MINKE_DCHECK(pos[static_cast<size_t>(r)] < seq.n_tokens);
    }
    covered += seq.n_rows;
    max_tokens = std::max(max_tokens, seq.n_tokens);
  }
  MINKE_CHECK(covered == n_rows);
  return max_tokens;
}

// The key chunks [c0, c1] that a query row at position `at` sees (kernel_table.h).
std::pair<int32_t, int32_t> visible_chunks(int32_t at, const AttentionParams& p) {
  const int32_t first = p.window > 0 ? std::max(0, at - p.window + 1) : 0;
  return {attn_chunk_of(first), attn_chunk_of(at)};
}

// Whether attention() splits a sequence by key chunks: a decoding one (one row) that sees two or
// more chunks, with fewer KV heads (tasks) than threads.
bool splits_by_keys(const AttnSeq& seq, std::span<const int32_t> pos, const AttentionParams& p,
                    int32_t n_head_kv, int n_threads) {
  if (seq.n_rows != 1 || n_head_kv >= n_threads) return false;
  const auto [c0, c1] = visible_chunks(pos[static_cast<size_t>(seq.row0)], p);
  return c1 > c0;
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const CpuBackendOptions& o)
      : kernels_(o.kernels != nullptr ? *o.kernels : kernels()),
        pool_(o.n_threads),
        defer_experts_(o.defer_experts) {}

  std::string_view name() const override { return "cpu"; }

  bool supports(GgmlType type) const override {
    const auto i = static_cast<size_t>(type);
    return find_matmul(kernels_, type) != nullptr && i < kernels_.dequantize.size() &&
           kernels_.dequantize[i] != nullptr;
  }

  WeightView prepare_weight(const WeightView& w, const SourceRelease& release) override;
  // Deferred: the expert is packed the first time matmul_experts runs it.
  WeightView prepare_expert(const WeightView& w, const SourceRelease& release) override {
    if (!defer_experts_) return prepare_weight(w, release);
    if (find_matmul(kernels_, w.type)->pack != nullptr) {
      deferred_.emplace(w.data, Deferred{release});
    }
    return w;
  }
  size_t prepared_bytes() const override { return prepared_bytes_; }
  size_t scratch_bytes() const override { return arena_.capacity(); }

  void begin_step() override { arena_.reset(); }
  ScratchMark mark_scratch() override { return arena_.mark(); }
  void release_scratch(const ScratchMark& m) override { arena_.release(m); }

  Tensor alloc(int64_t rows, int64_t cols) override {
    MINKE_CHECK(rows >= 0 && cols >= 0);
    auto* p = static_cast<float*>(arena_.alloc(static_cast<size_t>(rows * cols) * sizeof(float)));
    return {p, rows, cols, cols};
  }

  void upload(std::span<const float> src, const Tensor& dst) override {
    MINKE_CHECK(static_cast<int64_t>(src.size()) == dst.rows * dst.cols);
    for (int64_t r = 0; r < dst.rows; ++r) {
      std::memcpy(dst.data + r * dst.stride, src.data() + r * dst.cols, row_bytes(dst));
    }
  }

  void download(const Tensor& src, std::span<float> dst) override {
    MINKE_CHECK(static_cast<int64_t>(dst.size()) == src.rows * src.cols);
    for (int64_t r = 0; r < src.rows; ++r) {
      std::memcpy(dst.data() + r * src.cols, src.data + r * src.stride, row_bytes(src));
    }
  }

  KvStore alloc_kv(int32_t n_blocks, const KvLayout& l) override {
    MINKE_CHECK(n_blocks > 0 && l.block_size > 0);
    if (l.latent_dim > 0) {
      kv_.emplace_back(static_cast<size_t>(n_blocks) * l.block_size * l.latent_dim, uint16_t{0});
      return {kv_.back().data(), nullptr, n_blocks, l};
    }
    MINKE_CHECK(l.n_head_kv > 0 && l.head_dim > 0);
    const size_t n = static_cast<size_t>(n_blocks) * l.block_size * l.n_head_kv * l.head_dim;
    kv_.emplace_back(n, uint16_t{0});
    uint16_t* k = kv_.back().data();
    kv_.emplace_back(n, uint16_t{0});
    return {k, kv_.back().data(), n_blocks, l};
  }

  float* alloc_state(int64_t n) override {
    MINKE_CHECK(n > 0);
    state_.emplace_back(static_cast<size_t>(n), 0.0f);
    return state_.back().data();
  }
  void copy_state(const float* src, float* dst, int64_t n) override {
    if (src == nullptr) {
      std::fill_n(dst, n, 0.0f);
    } else {
      std::copy_n(src, n, dst);
    }
  }
  Tensor delta_net(const Tensor& qkv, const Tensor& beta, const Tensor& alpha,
                   std::span<const RecurrentSeq> seqs, const DeltaNetParams& p) override;

  Tensor get_rows(const WeightView& table, std::span<const int32_t> ids) override {
    const DequantizeFn dequantize = kernels_.dequantize[static_cast<size_t>(table.type)];
    MINKE_CHECK(dequantize != nullptr);
    const size_t trow = weight_row_bytes(table);
    Tensor out = alloc(static_cast<int64_t>(ids.size()), table.cols);
    pool_.parallel_for(out.rows, [&](int64_t i, int) {
      const int32_t id = ids[static_cast<size_t>(i)];
      MINKE_DCHECK(id >= 0 && id < table.rows);
      dequantize(static_cast<const uint8_t*>(table.data) + id * trow, out.data + i * out.stride,
                 table.cols);
    });
    return out;
  }

  Tensor gather_rows(const Tensor& x, std::span<const int32_t> rows) override {
    Tensor out = alloc(static_cast<int64_t>(rows.size()), x.cols);
    for (size_t i = 0; i < rows.size(); ++i) {
      MINKE_DCHECK(rows[i] >= 0 && rows[i] < x.rows);
      std::memcpy(out.data + static_cast<int64_t>(i) * out.stride, x.data + rows[i] * x.stride,
                  row_bytes(x));
    }
    return out;
  }

  Tensor matmul(const Tensor& x, const WeightView& w, const WeightView* bias) override;
  void route(const Tensor& logits, const WeightView* bias, const RouteParams& p,
             std::span<int32_t> ids, std::span<float> weights) override;
  Tensor matmul_experts(const Tensor& x, std::span<const WeightView> experts,
                        std::span<const ExpertRows> groups,
                        std::span<const WeightView> biases) override;
  Tensor weighted_sum_rows(const Tensor& x, std::span<const int32_t> rows,
                           std::span<const float> weights, int32_t per_row) override;
  Tensor rms_norm(const Tensor& x, const WeightView& w, float eps) override;
  void rope(const Tensor& x, int32_t head_dim, std::span<const int32_t> pos, const RopeParams& p,
            int32_t first_dim) override;
  void store_latent(const Tensor& rows, std::span<const int32_t> slots,
                    const KvStore& store) override;
  Tensor attention_mla(const Tensor& q, std::span<const int32_t> pos, const KvStore& store,
                       std::span<const AttnSeq> seqs, int32_t n_head, int32_t v_width,
                       float scale) override;
  void matmul_heads(const Tensor& x, int64_t x_head_stride, std::span<const WeightView> w,
                    const Tensor& y, int64_t y_head_stride) override;

  void copy(const Tensor& src, const Tensor& dst) override {
    MINKE_CHECK(src.rows == dst.rows && src.cols == dst.cols);
    for (int64_t r = 0; r < src.rows; ++r) {
      std::memcpy(dst.data + r * dst.stride, src.data + r * src.stride, row_bytes(src));
    }
  }
  void store_kv(const Tensor& k, const Tensor& v, std::span<const int32_t> slots,
                const KvStore& store) override;
  Tensor attention(const Tensor& q, std::span<const int32_t> pos, const KvStore& store,
                   std::span<const AttnSeq> seqs, const AttentionParams& p) override;
  void attention_split_by_keys(const Tensor& q, std::span<const int32_t> pos, const KvStore& store,
                               std::span<const AttnSeq> seqs, const AttentionParams& p,
                               Tensor& out);

  void add(const Tensor& x, const Tensor& y) override {
    MINKE_CHECK(x.rows == y.rows && x.cols == y.cols);
    pool_.parallel_for(x.rows, [&](int64_t r, int) {
      kernels_.add(x.data + r * x.stride, y.data + r * y.stride, x.data + r * x.stride, x.cols);
    });
  }

  void mul(const Tensor& x, const WeightView& w) override {
    const float* wf = f32_vector(w, x.cols);
    pool_.parallel_for(x.rows, [&](int64_t r, int) {
      kernels_.mul(x.data + r * x.stride, wf, x.data + r * x.stride, x.cols);
    });
  }

  void scale(const Tensor& x, float s) override {
    pool_.parallel_for(x.rows, [&](int64_t r, int) {
      kernels_.scale(x.data + r * x.stride, s, x.data + r * x.stride, x.cols);
    });
  }

  Tensor silu_mul(const Tensor& gate, const Tensor& up) override {
    return glu(gate, up, kernels_.silu_mul);
  }
  Tensor gelu_mul(const Tensor& gate, const Tensor& up) override {
    return glu(gate, up, kernels_.gelu_mul);
  }
  Tensor sigmoid_mul(const Tensor& gate, const Tensor& x) override {
    if (gate.cols == x.cols) return glu(gate, x, kernels_.sigmoid_mul);
    // One gate per row: the row's value repeated, then the same elementwise kernel.
    MINKE_CHECK(gate.cols == 1 && gate.rows == x.rows);
    Tensor out = alloc(x.rows, x.cols);
    Tensor g = alloc(x.rows, x.cols);
    pool_.parallel_for(x.rows, [&](int64_t r, int) {
      float* gr = g.data + r * g.stride;
      std::fill_n(gr, x.cols, gate.data[r * gate.stride]);
      kernels_.sigmoid_mul(gr, x.data + r * x.stride, out.data + r * out.stride, x.cols);
    });
    return out;
  }
  Tensor clamped_silu_mul(const Tensor& gate, const Tensor& up, float alpha, float limit) override {
    return glu(gate, up, [&](const float* a, const float* b, float* y, int64_t n) {
      kernels_.clamped_silu_mul(a, b, alpha, limit, y, n);
    });
  }

 private:
  // One weight's matmul over the activation rows [m0, m1).
  struct MatmulJob {
    const MatmulKernel* kern;
    MatmulArgs args;
    int64_t m0, m1;
  };
  const MatmulKernel& matmul_kernel(const WeightView& w) const;
  // x's rows in the kernel's activation format, in the arena.
  const uint8_t* quantize_act(const Tensor& x, const MatmulKernel& kern);
  MatmulArgs matmul_args(const MatmulKernel& kern, const WeightView& w, const uint8_t* xq,
                         const Tensor& y) const;
  void run_matmul_jobs(std::span<const MatmulJob> jobs);

  static size_t row_bytes(const Tensor& t) { return static_cast<size_t>(t.cols) * sizeof(float); }

  static size_t weight_row_bytes(const WeightView& w) {
    const GgmlTypeInfo& info = ggml_type_info(w.type);
    MINKE_CHECK(w.cols % info.block_size == 0);
    return static_cast<size_t>(w.cols / info.block_size) * info.type_size;
  }

  // A 1-D F32 weight of n values (norm weights, biases; GGUF stores them as F32).
  static const float* f32_vector(const WeightView& w, int64_t n) {
    MINKE_CHECK(w.type == GgmlType::F32 && w.rows == 1 && w.cols == n);
    return static_cast<const float*>(w.data);
  }

  // fn(a, b, y, n) row by row.
  template <class RowFn>
  Tensor glu(const Tensor& gate, const Tensor& up, const RowFn& fn) {
    MINKE_CHECK(gate.rows == up.rows && gate.cols == up.cols);
    Tensor out = alloc(gate.rows, gate.cols);
    pool_.parallel_for(gate.rows, [&](int64_t r, int) {
      fn(gate.data + r * gate.stride, up.data + r * up.stride, out.data + r * out.stride,
         gate.cols);
    });
    return out;
  }

  const KernelTable& kernels_;
  ThreadPool pool_;
  const bool defer_experts_;
  Arena arena_;
  std::vector<std::vector<uint16_t>> kv_;  // KV stores, stable addresses
  std::vector<std::vector<float>> state_;  // recurrent states, stable addresses
  SlabAllocator packed_;                   // prepared weights
  size_t prepared_bytes_ = 0;
  // Experts prepare_expert deferred, by their file data: the release to call when packing and,
  // once packed, the packed copy.
  struct Deferred {
    SourceRelease release;
    const void* prepared = nullptr;
  };
  std::unordered_map<const void*, Deferred> deferred_;
  // w with its packed copy, packing it now if prepare_expert deferred it.
  WeightView expert_view(const WeightView& w);
};

WeightView CpuBackend::prepare_weight(const WeightView& w, const SourceRelease& release) {
  const MatmulKernel* kern = find_matmul(kernels_, w.type);
  MINKE_CHECK(kern != nullptr);
  if (kern->pack == nullptr) return w;
  const int64_t granules = (w.rows + kern->n_granule - 1) / kern->n_granule;
  const size_t gbytes = kern->granule_bytes(w.cols);
  const size_t total = (gbytes * static_cast<size_t>(granules) + 63) / 64 * 64;
  uint8_t* dst = packed_.alloc(total);
  if (dst == nullptr) {
    throw Error("out of memory repacking a weight (" + std::to_string(total) + " bytes)");
  }
  const size_t row_bytes = weight_row_bytes(w);
  // In chunks of about 8 MiB of the file, each released once packed, so the resident set never
  // holds a large weight twice (the peak is the packed copy plus one chunk).
  const size_t granule_src = row_bytes * static_cast<size_t>(kern->n_granule);
  const int64_t per_chunk = std::max<int64_t>(1, static_cast<int64_t>((8 << 20) / granule_src));
  const auto* src = static_cast<const uint8_t*>(w.data);
  for (int64_t g0 = 0; g0 < granules; g0 += per_chunk) {
    const int64_t g1 = std::min(granules, g0 + per_chunk);
    pool_.parallel_for(g1 - g0, [&](int64_t i, int) {
      const int64_t g = g0 + i;
      kern->pack(w.data, row_bytes, w.rows, w.cols, g, dst + static_cast<size_t>(g) * gbytes);
    });
    if (release) {
      const int64_t r0 = g0 * kern->n_granule, r1 = std::min(w.rows, g1 * kern->n_granule);
      release(src + static_cast<size_t>(r0) * row_bytes, static_cast<size_t>(r1 - r0) * row_bytes);
    }
  }
  WeightView out = w;
  out.prepared = dst;
  prepared_bytes_ += total;
  return out;
}

const MatmulKernel& CpuBackend::matmul_kernel(const WeightView& w) const {
  const MatmulKernel* kern = find_matmul(kernels_, w.type);
  MINKE_CHECK(kern != nullptr);
  // A weight that did not go through prepare_weight runs on the reference kernel of its type,
  // which reads the file's layout: slower, same bits (every path reduces in its order).
  if (kern->pack != nullptr && w.prepared == nullptr) kern = find_matmul(ref_kernels(), w.type);
  return *kern;
}

const uint8_t* CpuBackend::quantize_act(const Tensor& x, const MatmulKernel& kern) {
  const int64_t k = x.cols;
  MINKE_CHECK(k % kern.act_block_size == 0);
  const size_t x_row_bytes = kern.act_row_bytes(k);
  auto* xq = static_cast<uint8_t*>(arena_.alloc(x_row_bytes * static_cast<size_t>(x.rows)));
  pool_.parallel_for(x.rows, [&](int64_t r, int) {
    kern.quantize_act(x.data + r * x.stride, xq + r * x_row_bytes, k);
  });
  return xq;
}

MatmulArgs CpuBackend::matmul_args(const MatmulKernel& kern, const WeightView& w, const uint8_t* xq,
                                   const Tensor& y) const {
  const bool packed = kern.pack != nullptr;
  return {packed ? w.prepared : w.data,
          packed ? kern.granule_bytes(w.cols) : weight_row_bytes(w),
          xq,
          kern.act_row_bytes(w.cols),
          y.data,
          y.stride,
          w.cols,
          w.rows,
          kernels_.weight_prefetch};
}

// Tiles every job's rows [m0, m1) x all N as the kernel asks (N in whole granules) and runs all
// tiles in one parallel pass; any split gives the same bits (each element is one whole dot).
// About four tasks per thread balance the load.
void CpuBackend::run_matmul_jobs(std::span<const MatmulJob> jobs) {
  if (jobs.empty()) return;
  const MatmulKernel& kern = *jobs[0].kern;  // one weight type and shape for all jobs
  const int64_t tile_m = kern.m_tile, granule = kern.n_granule;
  const int64_t n = jobs[0].args.n;
  const int64_t n_granules = (n + granule - 1) / granule;
  int64_t m_tiles = 0;
  for (const MatmulJob& j : jobs) m_tiles += (j.m1 - j.m0 + tile_m - 1) / tile_m;
  const int64_t want_tasks = 4 * static_cast<int64_t>(pool_.n_threads());
  const int64_t min_granules = std::max<int64_t>(1, 8 / granule);
  const int64_t per_task =
      std::max(min_granules, (n_granules * m_tiles + want_tasks - 1) / want_tasks);
  const int64_t n_tiles = (n_granules + per_task - 1) / per_task;
  struct Tile {
    const MatmulJob* job;
    int64_t m0, m1;
  };
  auto* tiles = static_cast<Tile*>(arena_.alloc(static_cast<size_t>(m_tiles) * sizeof(Tile)));
  int64_t t = 0;
  for (const MatmulJob& j : jobs) {
    MINKE_DCHECK(j.kern == &kern && j.args.n == n);
    for (int64_t m = j.m0; m < j.m1; m += tile_m) tiles[t++] = {&j, m, std::min(j.m1, m + tile_m)};
  }
  pool_.parallel_for(m_tiles * n_tiles, [&](int64_t task, int) {
    const Tile& tile = tiles[task / n_tiles];
    const int64_t nt = task % n_tiles;
    kern.matmul(tile.job->args, tile.m0, tile.m1, nt * per_task * granule,
                std::min(n, (nt + 1) * per_task * granule));
  });
}

Tensor CpuBackend::matmul(const Tensor& x, const WeightView& w, const WeightView* bias) {
  MINKE_CHECK(x.cols == w.cols);
  const MatmulKernel& kern = matmul_kernel(w);
  const uint8_t* xq = quantize_act(x, kern);
  Tensor y = alloc(x.rows, w.rows);
  const MatmulJob job{&kern, matmul_args(kern, w, xq, y), 0, x.rows};
  run_matmul_jobs({&job, 1});
  if (bias != nullptr) {
    const float* b = f32_vector(*bias, y.cols);
    pool_.parallel_for(y.rows, [&](int64_t r, int) {
      kernels_.add(y.data + r * y.stride, b, y.data + r * y.stride, y.cols);
    });
  }
  return y;
}

WeightView CpuBackend::expert_view(const WeightView& w) {
  if (w.prepared != nullptr) return w;
  const auto it = deferred_.find(w.data);
  if (it == deferred_.end()) return w;  // its kernel reads the file's layout
  if (it->second.prepared == nullptr) {
    it->second.prepared = prepare_weight(w, it->second.release).prepared;
  }
  WeightView out = w;
  out.prepared = it->second.prepared;
  return out;
}

Tensor CpuBackend::matmul_experts(const Tensor& x, std::span<const WeightView> experts,
                                  std::span<const ExpertRows> groups,
                                  std::span<const WeightView> biases) {
  MINKE_CHECK(biases.empty() || biases.size() == experts.size());
  MINKE_CHECK(!experts.empty() && !groups.empty());
  const WeightView& w0 = experts[0];
  MINKE_CHECK(x.cols == w0.cols);
  auto* jobs = static_cast<MatmulJob*>(arena_.alloc(groups.size() * sizeof(MatmulJob)));
  const MatmulKernel* kern = nullptr;
  const uint8_t* xq = nullptr;
  Tensor y = alloc(x.rows, w0.rows);
  for (size_t g = 0; g < groups.size(); ++g) {
    const ExpertRows& e = groups[g];
    MINKE_CHECK(e.expert >= 0 && static_cast<size_t>(e.expert) < experts.size());
    MINKE_CHECK(e.row0 >= 0 && e.n_rows >= 0 && e.row0 + e.n_rows <= x.rows);
    const WeightView w = expert_view(experts[static_cast<size_t>(e.expert)]);
    MINKE_CHECK(w.type == w0.type && w.rows == w0.rows && w.cols == w0.cols);
    if (kern == nullptr) {
      kern = &matmul_kernel(w);
      xq = quantize_act(x, *kern);
    }
    MINKE_CHECK(&matmul_kernel(w) == kern);
    jobs[g] = {kern, matmul_args(*kern, w, xq, y), e.row0, e.row0 + e.n_rows};
  }
  run_matmul_jobs({jobs, groups.size()});
  if (!biases.empty()) {  // the row's expert's bias, as matmul() adds its bias
    pool_.parallel_for(static_cast<int64_t>(groups.size()), [&](int64_t g, int) {
      const ExpertRows& e = groups[static_cast<size_t>(g)];
      const float* b = f32_vector(biases[static_cast<size_t>(e.expert)], y.cols);
      for (int64_t r = e.row0; r < e.row0 + e.n_rows; ++r) {
        kernels_.add(y.data + r * y.stride, b, y.data + r * y.stride, y.cols);
      }
    });
  }
  return y;
}

void CpuBackend::route(const Tensor& logits, const WeightView* bias, const RouteParams& p,
                       std::span<int32_t> ids, std::span<float> weights) {
  MINKE_CHECK(p.n_expert == logits.cols && p.n_used > 0 && p.n_used <= p.n_expert);
  MINKE_CHECK(p.n_group <= 1 ||
              (p.n_expert % p.n_group == 0 && p.n_group_used >= 1 && p.n_group_used <= p.n_group));
  const auto need = static_cast<size_t>(logits.rows * p.n_used);
  MINKE_CHECK(ids.size() == need && weights.size() == need);
  const float* b = bias != nullptr ? f32_vector(*bias, p.n_expert) : nullptr;
  auto* scratch = static_cast<float*>(
      arena_.alloc(static_cast<size_t>(pool_.n_threads()) * 2 * p.n_expert * sizeof(float)));
  pool_.parallel_for(logits.rows, [&](int64_t r, int thread) {
    const auto at = static_cast<size_t>(r * p.n_used);
    kernels_.route(logits.data + r * logits.stride, b, p, scratch + thread * 2 * p.n_expert,
                   ids.data() + at, weights.data() + at);
  });
}

Tensor CpuBackend::weighted_sum_rows(const Tensor& x, std::span<const int32_t> rows,
                                     std::span<const float> weights, int32_t per_row) {
  MINKE_CHECK(per_row > 0 && rows.size() % static_cast<size_t>(per_row) == 0);
  MINKE_CHECK(weights.size() == rows.size());
  Tensor out = alloc(static_cast<int64_t>(rows.size()) / per_row, x.cols);
  pool_.parallel_for(out.rows, [&](int64_t m, int) {
    float* o = out.data + m * out.stride;
    std::fill(o, o + out.cols, 0.0f);
    for (int32_t j = 0; j < per_row; ++j) {
      const auto at = static_cast<size_t>(m * per_row + j);
      MINKE_DCHECK(rows[at] >= 0 && rows[at] < x.rows);
      kernels_.scale_add(x.data + rows[at] * x.stride, weights[at], o, x.cols);
    }
  });
  return out;
}

Tensor CpuBackend::delta_net(const Tensor& qkv, const Tensor& beta, const Tensor& alpha,
                             std::span<const RecurrentSeq> seqs, const DeltaNetParams& p) {
  const int64_t n_ch = p.conv_channels();
  MINKE_CHECK(qkv.cols == n_ch && beta.cols == p.n_v_heads && alpha.cols == p.n_v_heads &&
              beta.rows == qkv.rows && alpha.rows == qkv.rows && p.n_k_heads > 0 &&
              p.n_v_heads % p.n_k_heads == 0 && p.conv_width >= 1);
  const auto n_seqs = static_cast<int64_t>(seqs.size());
  // The convolution with SiLU: chunks of channels of each sequence, its rows in order.
  constexpr int64_t kChannelChunk = 64;
  const int64_t n_chunks = (n_ch + kChannelChunk - 1) / kChannelChunk;
  Tensor conv = alloc(qkv.rows, n_ch);
  pool_.parallel_for(n_seqs * n_chunks, [&](int64_t t, int) {
    const RecurrentSeq& s = seqs[static_cast<size_t>(t / n_chunks)];
    const int64_t c0 = t % n_chunks * kChannelChunk;
    const CausalConvArgs a{.x = qkv.data + s.row0 * qkv.stride,
                           .x_stride = qkv.stride,
                           .n_rows = s.n_rows,
                           .n_ch = n_ch,
                           .width = p.conv_width,
                           .kernel = p.conv_kernel,
                           .tail = s.state,
                           .y = conv.data + s.row0 * conv.stride,
                           .y_stride = conv.stride};
    kernels_.causal_conv_silu(a, c0, std::min(c0 + kChannelChunk, n_ch));
  });
  // L2 norms of every query and key head, in place.
  const int64_t qk_heads = int64_t{2} * p.n_k_heads;
  pool_.parallel_for(conv.rows * qk_heads, [&](int64_t t, int) {
    float* h = conv.data + t / qk_heads * conv.stride + t % qk_heads * p.d_k;
    kernels_.l2_norm(h, p.eps, h, p.d_k);
  });
  // The delta rule: one task per sequence and value head.
  Tensor out = alloc(qkv.rows, int64_t{p.n_v_heads} * p.d_v);
  const int32_t group = p.n_v_heads / p.n_k_heads;
  const int64_t k0 = int64_t{p.n_k_heads} * p.d_k;  // first key column
  const int64_t v0 = 2 * k0;                        // first value column
  const int64_t tail = n_ch * (p.conv_width - 1);
  const float scale = 1.0f / std::sqrt(static_cast<float>(p.d_k));
  pool_.parallel_for(n_seqs * p.n_v_heads, [&](int64_t t, int) {
    const RecurrentSeq& s = seqs[static_cast<size_t>(t / p.n_v_heads)];
    const auto h = static_cast<int32_t>(t % p.n_v_heads);
    const int32_t kh = p.k_head_mod ? h % p.n_k_heads : h / group;
    const float* row = conv.data + s.row0 * conv.stride;
    const DeltaRuleArgs a{.q = row + int64_t{kh} * p.d_k,
                          .k = row + k0 + int64_t{kh} * p.d_k,
                          .qk_stride = conv.stride,
                          .v = row + v0 + int64_t{h} * p.d_v,
                          .v_stride = conv.stride,
                          .beta_logit = beta.data + s.row0 * beta.stride + h,
                          .beta_stride = beta.stride,
                          .alpha = alpha.data + s.row0 * alpha.stride + h,
                          .alpha_stride = alpha.stride,
                          .dt_bias = p.dt_bias[h],
                          .a = p.a[h],
                          .scale = scale,
                          .state = s.state + tail + int64_t{h} * p.d_v * p.d_k,
                          .out = out.data + s.row0 * out.stride + int64_t{h} * p.d_v,
                          .out_stride = out.stride,
                          .d_k = p.d_k,
                          .d_v = p.d_v,
                          .n_rows = s.n_rows};
    kernels_.delta_rule(a);
  });
  return out;
}

Tensor CpuBackend::rms_norm(const Tensor& x, const WeightView& w, float eps) {
  const int64_t seg = w.cols;
  MINKE_CHECK(seg > 0 && x.cols % seg == 0);
  const float* wf = f32_vector(w, seg);
  const int64_t per_row = x.cols / seg;
  Tensor out = alloc(x.rows, x.cols);
  pool_.parallel_for(x.rows * per_row, [&](int64_t t, int) {
    const int64_t r = t / per_row, c = (t % per_row) * seg;
    kernels_.rms_norm(x.data + r * x.stride + c, wf, eps, out.data + r * out.stride + c, seg);
  });
  return out;
}

void CpuBackend::rope(const Tensor& x, int32_t head_dim, std::span<const int32_t> pos,
                      const RopeParams& p, int32_t first_dim) {
  MINKE_CHECK(head_dim > 0 && x.cols % head_dim == 0);
  MINKE_CHECK(first_dim >= 0 && first_dim + p.n_dims <= head_dim);
  MINKE_CHECK(static_cast<int64_t>(pos.size()) == x.rows);
  const auto n_head = static_cast<int32_t>(x.cols / head_dim);
  // The kernel rotates the first n_dims of each head: start it first_dim into the row.
  pool_.parallel_for(x.rows, [&](int64_t r, int) {
    kernels_.rope(x.data + r * x.stride + first_dim, n_head, head_dim, pos[static_cast<size_t>(r)],
                  p);
  });
}

void CpuBackend::store_latent(const Tensor& rows, std::span<const int32_t> slots,
                              const KvStore& store) {
  const KvLayout& l = store.layout;
  MINKE_CHECK(l.latent_dim > 0 && rows.cols == l.latent_dim);
  MINKE_CHECK(static_cast<int64_t>(slots.size()) == rows.rows);
  pool_.parallel_for(rows.rows, [&](int64_t r, int) {
    const int32_t slot = slots[static_cast<size_t>(r)];
    MINKE_DCHECK(slot >= 0 && slot < store.n_blocks * l.block_size);
    kernels_.f32_to_f16(rows.data + r * rows.stride, store.k + int64_t{slot} * l.latent_dim,
                        l.latent_dim);
  });
}

Tensor CpuBackend::attention_mla(const Tensor& q, std::span<const int32_t> pos,
                                 const KvStore& store, std::span<const AttnSeq> seqs,
                                 int32_t n_head, int32_t v_width, float scale) {
  const KvLayout& l = store.layout;
  MINKE_CHECK(l.latent_dim > 0 && v_width > 0 && v_width <= l.latent_dim);
  MINKE_CHECK(n_head > 0 && q.cols == int64_t{n_head} * l.latent_dim);
  MINKE_CHECK(static_cast<int64_t>(pos.size()) == q.rows);
  // Tasks: a row's heads, split into chunks when there are too few rows to keep every thread
  // busy (decode); each task streams its sequence's latent rows once for all its heads.
  const int32_t max_tokens = check_seqs(seqs, pos, q.rows, l.block_size);
  auto* row_seq =
      static_cast<int32_t*>(arena_.alloc(static_cast<size_t>(q.rows) * sizeof(int32_t)));
  for (size_t s = 0; s < seqs.size(); ++s) {
    for (int64_t r = seqs[s].row0; r < seqs[s].row0 + seqs[s].n_rows; ++r) {
      row_seq[r] = static_cast<int32_t>(s);
    }
  }
  const int64_t want_tasks = 2 * static_cast<int64_t>(pool_.n_threads());
  const int64_t chunks =
      std::clamp<int64_t>((want_tasks + q.rows - 1) / q.rows, 1, std::max<int32_t>(1, n_head / 4));
  const auto heads = static_cast<int32_t>((n_head + chunks - 1) / chunks);
  const int64_t per_thread = mla_scratch_floats(heads, max_tokens, l.latent_dim);
  auto* scratch = static_cast<float*>(
      arena_.alloc(static_cast<size_t>(pool_.n_threads() * per_thread) * sizeof(float)));
  Tensor out = alloc(q.rows, int64_t{n_head} * v_width);
  pool_.parallel_for(q.rows * chunks, [&](int64_t t, int thread) {
    const int64_t r = t / chunks;
    const auto h0 = static_cast<int32_t>((t % chunks) * heads);
    const int32_t nh = std::min(heads, n_head - h0);
    if (nh <= 0) return;
    const AttnSeq& seq = seqs[static_cast<size_t>(row_seq[r])];
    const MlaView kv{store.k, l.block_size, l.latent_dim, v_width, seq.block_table, seq.n_tokens};
    kernels_.attention_mla_f16(q.data + r * q.stride + int64_t{h0} * l.latent_dim, l.latent_dim, nh,
                               pos[static_cast<size_t>(r)], kv, scale,
                               scratch + thread * per_thread,
                               out.data + r * out.stride + int64_t{h0} * v_width, v_width);
  });
  return out;
}

void CpuBackend::matmul_heads(const Tensor& x, int64_t x_head_stride, std::span<const WeightView> w,
                              const Tensor& y, int64_t y_head_stride) {
  MINKE_CHECK(!w.empty() && x.rows == y.rows);
  const WeightView& w0 = w[0];
  const MatmulKernel& kern = matmul_kernel(w0);
  const auto n_head = static_cast<int64_t>(w.size());
  MINKE_CHECK((n_head - 1) * x_head_stride + w0.cols <= x.cols);
  MINKE_CHECK((n_head - 1) * y_head_stride + w0.rows <= y.cols);
  auto* jobs = static_cast<MatmulJob*>(arena_.alloc(w.size() * sizeof(MatmulJob)));
  for (int64_t h = 0; h < n_head; ++h) {
    const WeightView& wh = w[static_cast<size_t>(h)];
    MINKE_CHECK(wh.type == w0.type && wh.rows == w0.rows && wh.cols == w0.cols);
    MINKE_CHECK(&matmul_kernel(wh) == &kern);
    const uint8_t* xq = quantize_act(x.col_range(h * x_head_stride, w0.cols), kern);
    jobs[h] = {&kern, matmul_args(kern, wh, xq, y.col_range(h * y_head_stride, w0.rows)), 0,
               x.rows};
  }
  run_matmul_jobs({jobs, w.size()});
}

void CpuBackend::store_kv(const Tensor& k, const Tensor& v, std::span<const int32_t> slots,
                          const KvStore& store) {
  const KvLayout& l = store.layout;
  MINKE_CHECK(k.rows == v.rows && static_cast<int64_t>(slots.size()) == k.rows);
  MINKE_CHECK(k.cols == int64_t{l.n_head_kv} * l.head_dim && v.cols == k.cols);
  MINKE_CHECK(l.head_dim <= kMaxHeadDim);
  pool_.parallel_for(k.rows, [&](int64_t r, int) {
    const int32_t slot = slots[static_cast<size_t>(r)];
    MINKE_DCHECK(slot >= 0 && slot < store.n_blocks * l.block_size);
    const int64_t block = slot / l.block_size, offset = slot % l.block_size;
    for (int32_t h = 0; h < l.n_head_kv; ++h) {
      const int64_t src = int64_t{h} * l.head_dim;
      kernels_.f32_to_f16(v.data + r * v.stride + src,
                          store.v + kv_v_index(l, block, h, static_cast<int32_t>(offset), 0),
                          l.head_dim);
      // K is dimension-major in its block (KvLayout): one element every block_size.
      uint16_t k16[kMaxHeadDim];
      kernels_.f32_to_f16(k.data + r * k.stride + src, k16, l.head_dim);
      uint16_t* kh = store.k + kv_k_index(l, block, h, static_cast<int32_t>(offset), 0);
      for (int32_t d = 0; d < l.head_dim; ++d) kh[int64_t{d} * l.block_size] = k16[d];
    }
  });
}

Tensor CpuBackend::attention(const Tensor& q, std::span<const int32_t> pos, const KvStore& store,
                             std::span<const AttnSeq> seqs, const AttentionParams& p) {
  const KvLayout& l = store.layout;
  MINKE_CHECK(p.n_head > 0 && q.cols == int64_t{p.n_head} * l.head_dim);
  MINKE_CHECK(static_cast<int64_t>(pos.size()) == q.rows);
  const int32_t max_tokens = check_seqs(seqs, pos, q.rows, l.block_size);
  // A task is a kernel tile: tokens of one sequence times the query heads of one KV head, so
  // each K and V value loaded serves the whole group (grouped-query attention read as a small
  // matrix product); a prefill tile holds enough tokens to fill the kernel's rows.
  const int32_t group = p.n_head / l.n_head_kv;
  const int32_t tile_tokens = std::max(1, kernels_.attention_tile_rows / group);
  // A decoding sequence is n_head_kv tiles. With fewer than threads, a context of two or more
  // key chunks is split by chunks and then by dimensions (kernel_table.h: four phases, the same
  // bits), so each thread reads its own part of K and V; a shorter one has its group's heads
  // split over tasks that read the same K and V side by side rather than leave threads idle.
  const int32_t splits = std::clamp<int32_t>(pool_.n_threads() / l.n_head_kv, 1, group);
  const int32_t per_split = (group + splits - 1) / splits;
  auto split_by_keys = [&](const AttnSeq& seq) {
    return splits_by_keys(seq, pos, p, l.n_head_kv, pool_.n_threads());
  };
  struct Task {
    AttnTile tile;
    int32_t seq;
  };
  int64_t max_tasks = 0;
  bool any_split = false;
  for (const AttnSeq& seq : seqs) {
    if (split_by_keys(seq)) {
      any_split = true;
      continue;
    }
    max_tasks += (seq.n_rows + tile_tokens - 1) / tile_tokens * l.n_head_kv * splits;
  }
  auto* tasks = static_cast<Task*>(arena_.alloc(static_cast<size_t>(max_tasks) * sizeof(Task)));
  Tensor out = alloc(q.rows, q.cols);
  int64_t n_tasks = 0;
  for (size_t s = 0; s < seqs.size(); ++s) {
    const AttnSeq& seq = seqs[s];
    if (split_by_keys(seq)) continue;
    const int32_t heads = seq.n_rows == 1 ? per_split : group;
    AttnTile tile;
    tile.q_stride = q.stride;
    tile.out_stride = out.stride;
    for (int64_t r = seq.row0; r < seq.row0 + seq.n_rows; r += tile_tokens) {
      tile.pos = pos.data() + r;
      tile.n_tokens =
          static_cast<int32_t>(std::min<int64_t>(tile_tokens, seq.row0 + seq.n_rows - r));
      for (int32_t head = 0; head < p.n_head; head += group) {
        for (int32_t h = 0; h < group; h += heads) {
          tile.head = head + h;
          tile.n_heads = std::min(heads, group - h);
          tile.q = q.data + r * q.stride + int64_t{tile.head} * l.head_dim;
          tile.out = out.data + r * out.stride + int64_t{tile.head} * l.head_dim;
          tasks[n_tasks++] = {tile, static_cast<int32_t>(s)};
        }
      }
    }
  }
  // Each thread's scratch: a score row per query row of the tallest tile.
  const int64_t per_thread = int64_t{tile_tokens} * group * max_tokens;
  auto* scratch = static_cast<float*>(
      arena_.alloc(static_cast<size_t>(pool_.n_threads() * per_thread) * sizeof(float)));
  pool_.parallel_for(n_tasks, [&](int64_t t, int thread) {
    Task task = tasks[t];
    const AttnSeq& seq = seqs[static_cast<size_t>(task.seq)];
    const KvView kv{store.k, store.v, l, seq.block_table, seq.n_tokens};
    task.tile.scratch = scratch + thread * per_thread;  // score rows n_tokens apart
    kernels_.attention_f16kv(task.tile, kv, p);
  });
  if (any_split) attention_split_by_keys(q, pos, store, seqs, p, out);
  return out;
}

// The decoding sequences split over threads (see attention()): per visible key chunk and KV
// group a task for the phases kScores, kExp and kProbs, then per KV group and slice of
// dimensions one for kValues (each thread reads its own part of K, then of V).
void CpuBackend::attention_split_by_keys(const Tensor& q, std::span<const int32_t> pos,
                                         const KvStore& store, std::span<const AttnSeq> seqs,
                                         const AttentionParams& p, Tensor& out) {
  const KvLayout& l = store.layout;
  const int32_t group = p.n_head / l.n_head_kv, hd = l.head_dim;
  // Value slices: enough for every thread, in multiples of 16 dimensions (any kernel's lanes).
  const int32_t n_slices =
      std::clamp<int32_t>(pool_.n_threads() / l.n_head_kv, 1, std::max(1, hd / 16));
  const int32_t slice = (hd / 16 + n_slices - 1) / n_slices * 16;
  int64_t max_tasks = 0, n_scores = 0, n_stats = 0;
  for (const AttnSeq& seq : seqs) {
    if (!splits_by_keys(seq, pos, p, l.n_head_kv, pool_.n_threads())) continue;
    max_tasks += int64_t{attn_chunks(seq.n_tokens) + n_slices} * l.n_head_kv;
    n_scores += int64_t{p.n_head} * seq.n_tokens;  // score rows over the whole context
    n_stats += int64_t{p.n_head} * attn_chunks(seq.n_tokens);
  }
  struct Task {
    AttnTile tile;
    int32_t seq;
  };
  auto* tasks = static_cast<Task*>(arena_.alloc(static_cast<size_t>(max_tasks) * sizeof(Task)));
  auto* scores = static_cast<float*>(arena_.alloc(static_cast<size_t>(n_scores) * sizeof(float)));
  auto* stats = static_cast<AttnChunkStats*>(
      arena_.alloc(static_cast<size_t>(n_stats) * sizeof(AttnChunkStats)));
  int64_t n_chunk_tasks = 0;
  Task* value_tasks = tasks + max_tasks;  // filled downwards from the end
  for (size_t s = 0; s < seqs.size(); ++s) {
    const AttnSeq& seq = seqs[s];
    if (!splits_by_keys(seq, pos, p, l.n_head_kv, pool_.n_threads())) continue;
    const auto [c0, c1] = visible_chunks(pos[static_cast<size_t>(seq.row0)], p);
    AttnTile tile;
    tile.pos = pos.data() + seq.row0;
    tile.n_heads = group;
    tile.n_chunks = attn_chunks(seq.n_tokens);
    for (int32_t g = 0; g < l.n_head_kv; ++g) {
      tile.head = g * group;
      tile.q = q.data + seq.row0 * q.stride + int64_t{tile.head} * hd;
      tile.out = out.data + seq.row0 * out.stride + int64_t{tile.head} * hd;
      tile.scratch = scores + int64_t{tile.head} * seq.n_tokens;
      tile.stats = stats + int64_t{tile.head} * tile.n_chunks;
      for (int32_t c = c0; c <= c1; ++c) {
        tile.chunk = c;
        tasks[n_chunk_tasks++] = {tile, static_cast<int32_t>(s)};
      }
      for (int32_t d = 0; d < hd; d += slice) {
        tile.dim0 = d;
        tile.dim1 = std::min(hd, d + slice);
        *--value_tasks = {tile, static_cast<int32_t>(s)};
      }
      tile.dim0 = tile.dim1 = 0;
    }
    scores += int64_t{p.n_head} * seq.n_tokens;
    stats += int64_t{p.n_head} * tile.n_chunks;
  }
  auto run = [&](const Task* list, int64_t n, AttnPhase phase) {
    pool_.parallel_for(n, [&](int64_t t, int) {
      Task task = list[t];
      const AttnSeq& seq = seqs[static_cast<size_t>(task.seq)];
      const KvView kv{store.k, store.v, l, seq.block_table, seq.n_tokens};
      task.tile.phase = phase;
      kernels_.attention_f16kv(task.tile, kv, p);
    });
  };
  for (const AttnPhase phase : {AttnPhase::kScores, AttnPhase::kExp, AttnPhase::kProbs}) {
    run(tasks, n_chunk_tasks, phase);
  }
  run(value_tasks, tasks + max_tasks - value_tasks, AttnPhase::kValues);
}

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace minke
