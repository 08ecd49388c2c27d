// The non-matmul ops of every kernel path this CPU runs against the scalar reference: attention
// over a paged f16 cache (GQA, sliding window, soft-cap, partial blocks, positions in any block,
// tiles of tokens times heads) and the f16 conversion of KV stores must be bit-identical (memcmp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

#include "core/fp16.h"
#include "kernels/kernel_table.h"

namespace minke {
namespace {

struct Cache {
  KvLayout layout;
  std::vector<uint16_t> k, v;
  std::vector<int32_t> table;
  int32_t n_tokens;

  Cache(KvLayout l, int32_t tokens, std::mt19937& rng) : layout(l), n_tokens(tokens) {
    const int32_t blocks = (tokens + l.block_size - 1) / l.block_size;
    const size_t pool = size_t(blocks + 3) * l.block_size * l.n_head_kv * l.head_dim;
    std::normal_distribution<float> dist(0.0f, 1.0f);
    k.resize(pool);
    v.resize(pool);
    for (uint16_t& x : k) x = f32_to_fp16(dist(rng));
    for (uint16_t& x : v) x = f32_to_fp16(dist(rng));
    for (int32_t b = 0; b < blocks; ++b) table.push_back((b * 5 + 2) % (blocks + 3));
  }
  KvView view() const { return {k.data(), v.data(), layout, table, n_tokens}; }
};

// One query row (token at pos, query head `head`) through a table's attention kernel.
void attend_row(const KernelTable& t, const float* q, int32_t pos, int32_t head, const KvView& kv,
                const AttentionParams& p, float* out) {
  std::vector<float> scratch(static_cast<size_t>(kv.n_tokens));
  AttnTile tile;
  tile.q = q;
  tile.pos = &pos;
  tile.head = head;
  tile.out = out;
  tile.scratch = scratch.data();
  t.attention_f16kv(tile, kv, p);
}

TEST(OpsPaths, AttentionBitIdenticalToReference) {
  const KernelTable& ref = ref_kernels();
  struct Case {
    KvLayout layout;
    int32_t n_head, tokens, window;
    float softcap, scale;
    bool sinks = false;  // one learned sink logit per head (gpt-oss)
  };
  const std::vector<float> sink_logits = {1.5f, -2.0f, 0.25f, 4.0f, -0.5f, 2.0f, 0.0f, 3.0f, -1.0f};
  const Case cases[] = {
      {{16, 3, 64}, 9, 70, 0, 0.0f, 0.0f},
      {{16, 1, 128}, 4, 33, 0, 0.0f, 0.125f},
      {{16, 2, 64}, 4, 100, 24, 0.0f, 0.0f},
      {{16, 2, 256}, 8, 17, 0, 30.0f, 0.0f},
      {{16, 1, 80}, 2, 40, 0, 0.0f, 0.0f},
      {{5, 2, 16}, 2, 12, 0, 0.0f, 0.0f},
      // Several key chunks (the sums run chunk by chunk), a window that leaves early ones unseen.
      {{16, 2, 64}, 2, 1300, 0, 0.0f, 0.0f},
      {{32, 1, 64}, 2, 1300, 600, 0.0f, 0.0f},
      {{16, 1, 128}, 1, 1100, 0, 50.0f, 0.0f},
      // Attention sinks.
      {{16, 3, 64}, 9, 70, 0, 0.0f, 0.0f, true},
      {{16, 2, 64}, 4, 1300, 100, 0.0f, 0.0f, true},
  };
  int compared = 0;
  for (const KernelTable* table : host_kernel_tables()) {
    if (table == &ref || table->attention_f16kv == ref.attention_f16kv) continue;
    for (const Case& c : cases) {
      std::mt19937 rng(static_cast<unsigned>(c.tokens * 31 + c.layout.head_dim));
      const Cache cache(c.layout, c.tokens, rng);
      const AttentionParams p{.n_head = c.n_head,
                              .scale = c.scale,
                              .softcap = c.softcap,
                              .window = c.window,
                              .sinks = c.sinks ? sink_logits.data() : nullptr};
      std::normal_distribution<float> dist(0.0f, 2.0f);
      std::vector<float> q(static_cast<size_t>(c.layout.head_dim));
      for (int32_t pos : {0, 1, 15, 16, c.tokens / 2, 511, 512, 1025, c.tokens - 1}) {
        if (pos >= c.tokens) continue;
        for (int32_t h = 0; h < c.n_head; ++h) {
          for (float& x : q) x = dist(rng);
          std::vector<float> want(q.size(), NAN), got(q.size(), NAN);
          attend_row(ref, q.data(), pos, h, cache.view(), p, want.data());
          attend_row(*table, q.data(), pos, h, cache.view(), p, got.data());
          ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0)
              << table->name << " head_dim " << c.layout.head_dim << " pos " << pos << " head "
              << h;
          ++compared;
        }
      }
    }
  }
  std::printf("compared %d attention rows bit for bit\n", compared);
}

// A long context split over threads (cpu_backend.cpp: decode with fewer KV heads than
// threads): the phases run chunk by chunk, then slice by slice of dimensions, through a table's
// kernel give the reference's whole rows bit for bit.
TEST(OpsPaths, AttentionSplitPhasesMatchWholeRows) {
  const KernelTable& ref = ref_kernels();
  const KvLayout layout{16, 2, 64};
  std::mt19937 rng(5);
  const Cache cache(layout, 1700, rng);
  const int32_t hd = layout.head_dim, group = 3, n_tokens = cache.n_tokens;
  const int32_t chunks = attn_chunks(n_tokens);
  int compared = 0;
  for (const KernelTable* table : host_kernel_tables()) {
    for (const int32_t window : {0, 700}) {
      const std::vector<float> sinks = {0.5f, 6.0f, -1.0f, 2.0f, 1.0f, 0.0f};
      const AttentionParams p{.n_head = group * layout.n_head_kv,
                              .window = window,
                              .sinks = window > 0 ? sinks.data() : nullptr};  // one with sinks
      std::normal_distribution<float> dist(0.0f, 2.0f);
      for (int32_t pos : {600, 1023, 1024, 1699}) {
        std::vector<float> q(static_cast<size_t>(group * hd));
        for (float& x : q) x = dist(rng);
        std::vector<float> want(q.size(), NAN), got(q.size(), NAN);
        for (int32_t i = 0; i < group; ++i) {
          attend_row(ref, &q[static_cast<size_t>(i * hd)], pos, group + i, cache.view(), p,
                     &want[static_cast<size_t>(i * hd)]);
        }
        std::vector<float> scores(static_cast<size_t>(group * n_tokens));
        std::vector<AttnChunkStats> stats(static_cast<size_t>(group * chunks));
        const int32_t first = window > 0 ? std::max(0, pos - window + 1) : 0;
        AttnTile tile;
        tile.q = q.data();
        tile.pos = &pos;
        tile.head = group;  // KV head 1
        tile.n_heads = group;
        tile.scratch = scores.data();
        tile.n_chunks = chunks;
        tile.stats = stats.data();
        tile.out = got.data();
        for (const AttnPhase phase : {AttnPhase::kScores, AttnPhase::kExp, AttnPhase::kProbs}) {
          tile.phase = phase;
          for (int32_t c = attn_chunk_of(first); c <= attn_chunk_of(pos); ++c) {
            tile.chunk = c;
            table->attention_f16kv(tile, cache.view(), p);
          }
        }
        tile.phase = AttnPhase::kValues;
        for (const int32_t d0 : {48, 0, 16}) {  // slices in any order
          tile.dim0 = d0;
          tile.dim1 = d0 == 16 ? 48 : d0 + 16;
          table->attention_f16kv(tile, cache.view(), p);
        }
        ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0)
            << table->name << " pos " << pos << " window " << window;
        ++compared;
      }
    }
  }
  std::printf("compared %d rows split over threads bit for bit\n", compared);
}

// Multi-head Latent Attention: every head of every position bit-identical to the reference,
// for head counts that fill and do not fill the SIMD head groups, rows of DeepSeek-V3's width
// and of a small model's, blocks of 4 and 16 tokens scattered in the pool.
TEST(OpsPaths, MlaAttentionBitIdenticalToReference) {
  const KernelTable& ref = ref_kernels();
  struct Case {
    int32_t width, v_width, n_head, tokens, block;
  };
  const Case cases[] = {{576, 512, 16, 70, 16},
                        {576, 512, 16, 50, 4},
                        {80, 64, 4, 40, 4},
                        {576, 512, 7, 33, 16},
                        {48, 32, 2, 5, 16}};
  int compared = 0;
  for (const KernelTable* table : host_kernel_tables()) {
    if (table == &ref || table->attention_mla_f16 == ref.attention_mla_f16) continue;
    for (const Case& c : cases) {
      std::mt19937 rng(static_cast<unsigned>(c.tokens * 7 + c.width));
      const int32_t blocks = (c.tokens + c.block - 1) / c.block;
      std::normal_distribution<float> dist(0.0f, 1.0f);
      std::vector<uint16_t> pool(static_cast<size_t>(blocks + 3) * c.block * c.width);
      for (uint16_t& x : pool) x = f32_to_fp16(dist(rng));
      std::vector<int32_t> table_of;
      for (int32_t b = 0; b < blocks; ++b) table_of.push_back((b * 5 + 2) % (blocks + 3));
      const MlaView kv{pool.data(), c.block, c.width, c.v_width, table_of, c.tokens};
      std::vector<float> q(static_cast<size_t>(c.n_head) * c.width);
      for (int32_t pos : {0, 1, 15, 16, c.tokens / 2, 511, 512, 1025, c.tokens - 1}) {
        if (pos >= c.tokens) continue;
        for (float& x : q) x = 0.2f * dist(rng);
        const size_t n_out = static_cast<size_t>(c.n_head) * c.v_width;
        std::vector<float> want(n_out, NAN), got(n_out, NAN);
        std::vector<float> s1(mla_scratch_floats(c.n_head, c.tokens, c.width)), s2(s1.size());
        ref.attention_mla_f16(q.data(), c.width, c.n_head, pos, kv, 0.07f, s1.data(), want.data(),
                              c.v_width);
        table->attention_mla_f16(q.data(), c.width, c.n_head, pos, kv, 0.07f, s2.data(), got.data(),
                                 c.v_width);
        ASSERT_EQ(std::memcmp(want.data(), got.data(), n_out * sizeof(float)), 0)
            << table->name << " width " << c.width << " heads " << c.n_head << " block " << c.block
            << " pos " << pos;
        ++compared;
      }
    }
  }
  std::printf("compared %d MLA attention positions bit for bit\n", compared);
}

// Tiles: consecutive tokens of one sequence times the query heads of one KV head (prefill, and
// decode of grouped-query attention) give, row for row, the single-row reference's bits, so
// prefill, decode and any batch agree on every path.
TEST(OpsPaths, AttentionTilesBitIdenticalToSingleRows) {
  const KernelTable& ref = ref_kernels();
  struct Case {
    KvLayout layout;
    int32_t group, tokens, window;
    float softcap;
  };
  // Tiles of up to 17 tokens and up to 12 heads cross every kernel's piece height (4 or 8
  // rows); a window of 5 gives rows of one tile key ranges that do not all overlap.
  const Case cases[] = {{{16, 2, 64}, 2, 70, 0, 0.0f},   {{16, 1, 256}, 1, 40, 0, 0.0f},
                        {{16, 2, 128}, 2, 90, 20, 0.0f}, {{16, 1, 80}, 3, 30, 0, 0.0f},
                        {{16, 2, 64}, 4, 70, 5, 0.0f},   {{16, 1, 64}, 2, 50, 0, 3.0f},
                        {{16, 2, 64}, 7, 160, 0, 0.0f},  {{16, 2, 64}, 12, 300, 0, 0.0f}};
  int compared = 0;
  for (const KernelTable* table : host_kernel_tables()) {
    for (const Case& c : cases) {
      std::mt19937 rng(static_cast<unsigned>(c.tokens + c.window));
      const Cache cache(c.layout, c.tokens, rng);
      const AttentionParams p{
          .n_head = c.group * c.layout.n_head_kv, .softcap = c.softcap, .window = c.window};
      const int32_t hd = c.layout.head_dim;
      std::normal_distribution<float> dist(0.0f, 2.0f);
      for (int32_t tokens : {1, 2, 3, 4, 6, 8, 9, 17}) {
        for (int32_t heads : {1, c.group}) {
          for (int32_t p0 : {0, 13, c.tokens - tokens}) {
            const int32_t row = c.group * hd;  // a token's query heads of one KV head
            std::vector<float> q(static_cast<size_t>(tokens * row));
            for (float& x : q) x = dist(rng);
            std::vector<int32_t> pos;
            for (int32_t i = 0; i < tokens; ++i) pos.push_back(p0 + i);
            const int32_t head = (tokens % c.layout.n_head_kv) * c.group;
            std::vector<float> got(q.size(), NAN), want(q.size(), NAN);
            std::vector<float> scratch(static_cast<size_t>(tokens * heads * c.tokens));
            AttnTile tile;
            tile.q = q.data();
            tile.q_stride = row;
            tile.pos = pos.data();
            tile.n_tokens = tokens;
            tile.head = head;
            tile.n_heads = heads;
            tile.out = got.data();
            tile.out_stride = row;
            tile.scratch = scratch.data();
            table->attention_f16kv(tile, cache.view(), p);
            for (int32_t i = 0; i < tokens; ++i) {
              for (int32_t h = 0; h < heads; ++h) {
                const int64_t at = int64_t{i} * row + int64_t{h} * hd;
                attend_row(ref, &q[static_cast<size_t>(at)], pos[static_cast<size_t>(i)], head + h,
                           cache.view(), p, &want[static_cast<size_t>(at)]);
              }
            }
            ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0)
                << table->name << " tokens " << tokens << " heads " << heads << " from " << p0
                << " head_dim " << hd;
            ++compared;
          }
        }
      }
    }
  }
  std::printf("compared %d attention tiles bit for bit\n", compared);
}

// A path's attention tile height travels with its attention kernel when paths are stacked
// (dispatch.cpp): AVX-512 asks for 8 query rows, the others for the reference's 4.
TEST(OpsPaths, AttentionTileRowsComeWithTheKernel) {
  for (const KernelPath& path : kernel_paths()) {
    if (path.table == nullptr) continue;
    // amx is the avx512 table with AMX matmuls: it keeps avx512's attention.
    const std::string_view name = path.name;
    const int32_t want = name == "avx512" || name == "amx" ? 8 : 4;
    EXPECT_EQ(path.table->attention_tile_rows, want) << path.name;
  }
}

TEST(OpsPaths, ActivationsBitIdenticalToReference) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  std::vector<float> a, b;
  for (int i = 0; i < 4099; ++i) {
    a.push_back(dist(rng) * (i % 7 == 0 ? 30.0f : 1.0f));
    b.push_back(dist(rng));
  }
  for (float v : {-8.0f, 8.0f, 7.0f, -7.0f, NAN, INFINITY, -INFINITY}) {  // clamps of `up`
    a.push_back(1.25f);
    b.push_back(v);
  }
  for (float v : {0.0f, -0.0f, -10.0f, 10.0f, 9.99f, -9.99f, 88.0f, -88.0f, 87.0f, -86.6f, 1e-30f,
                  INFINITY, -INFINITY, NAN}) {
    a.push_back(v);
    b.push_back(1.5f);
  }
  const auto n = static_cast<int64_t>(a.size());
  const KernelTable& ref = ref_kernels();
  auto same = [](const std::vector<float>& x, const std::vector<float>& y) {
    return std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
  };
  for (const KernelTable* table : host_kernel_tables()) {
    std::vector<float> want(a.size()), got(a.size());
    ref.silu_mul(a.data(), b.data(), want.data(), n);
    table->silu_mul(a.data(), b.data(), got.data(), n);
    EXPECT_TRUE(same(want, got)) << table->name << " silu_mul";
    ref.gelu_mul(a.data(), b.data(), want.data(), n);
    table->gelu_mul(a.data(), b.data(), got.data(), n);
    EXPECT_TRUE(same(want, got)) << table->name << " gelu_mul";
    ref.clamped_silu_mul(a.data(), b.data(), 1.702f, 7.0f, want.data(), n);
    table->clamped_silu_mul(a.data(), b.data(), 1.702f, 7.0f, got.data(), n);
    EXPECT_TRUE(same(want, got)) << table->name << " clamped_silu_mul";
    ref.sigmoid_mul(a.data(), b.data(), want.data(), n);
    table->sigmoid_mul(a.data(), b.data(), got.data(), n);
    EXPECT_TRUE(same(want, got)) << table->name << " sigmoid_mul";
    const int64_t finite = n - 3;  // softmax over finite inputs
    std::vector<float> sw(static_cast<size_t>(finite)), sg(sw.size());
    ref.softmax(a.data(), sw.data(), finite);
    table->softmax(a.data(), sg.data(), finite);
    EXPECT_TRUE(same(sw, sg)) << table->name << " softmax";
  }
}

// Every SIMD path brings its own row kernels: a path whose table still holds the reference's
// function for one of them would compare the reference with itself in the tests above.
TEST(OpsPaths, SimdPathsTakeTheirRowKernels) {
  const KernelTable& ref = ref_kernels();
  for (const KernelTable* table : host_kernel_tables()) {
    if (std::string_view(table->name) == "ref") continue;
    EXPECT_NE(table->silu_mul, ref.silu_mul) << table->name;
    EXPECT_NE(table->gelu_mul, ref.gelu_mul) << table->name;
    EXPECT_NE(table->clamped_silu_mul, ref.clamped_silu_mul) << table->name;
    EXPECT_NE(table->sigmoid_mul, ref.sigmoid_mul) << table->name;
    EXPECT_NE(table->softmax, ref.softmax) << table->name;
    EXPECT_NE(table->delta_rule, ref.delta_rule) << table->name;
    EXPECT_NE(table->attention_f16kv, ref.attention_f16kv) << table->name;
    EXPECT_NE(table->attention_mla_f16, ref.attention_mla_f16) << table->name;
    EXPECT_NE(table->f32_to_f16, ref.f32_to_f16) << table->name;
  }
}

// The gated delta rule (Qwen3.5's linear attention) over a few tokens and a state with large
// and small values: the same bits as the reference on every path.
TEST(OpsPaths, DeltaRuleBitIdenticalToReference) {
  constexpr int32_t dk = 48, dv = 5, n = 6;
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  auto fill = [&](size_t count, float scale) {
    std::vector<float> v(count);
    for (float& x : v) x = dist(rng) * scale;
    return v;
  };
  std::vector<float> q = fill(n * dk, 1.0f), k = fill(n * dk, 1.0f);
  const KernelTable& ref = ref_kernels();
  for (int32_t t = 0; t < n; ++t) {
    ref.l2_norm(&q[t * dk], 1e-6f, &q[t * dk], dk);
    ref.l2_norm(&k[t * dk], 1e-6f, &k[t * dk], dk);
  }
  const std::vector<float> v = fill(n * dv, 3.0f), beta = fill(n, 3.0f), alpha = fill(n, 10.0f);
  const std::vector<float> state0 = fill(dv * dk, 20.0f);
  auto run = [&](const KernelTable& table, std::vector<float>& state, std::vector<float>& out) {
    state = state0;
    out.assign(n * dv, 0.0f);
    table.delta_rule({.q = q.data(),
                      .k = k.data(),
                      .qk_stride = dk,
                      .v = v.data(),
                      .v_stride = dv,
                      .beta_logit = beta.data(),
                      .beta_stride = 1,
                      .alpha = alpha.data(),
                      .alpha_stride = 1,
                      .dt_bias = 0.5f,
                      .a = -0.8f,
                      .scale = 0.25f,
                      .state = state.data(),
                      .out = out.data(),
                      .out_stride = dv,
                      .d_k = dk,
                      .d_v = dv,
                      .n_rows = n});
  };
  std::vector<float> want_state, want_out;
  run(ref, want_state, want_out);
  for (const KernelTable* table : host_kernel_tables()) {
    std::vector<float> state, out;
    run(*table, state, out);
    EXPECT_EQ(std::memcmp(out.data(), want_out.data(), out.size() * 4), 0) << table->name;
    EXPECT_EQ(std::memcmp(state.data(), want_state.data(), state.size() * 4), 0) << table->name;
  }
}

TEST(OpsPaths, F16ConversionBitIdenticalToReference) {
  std::vector<float> x;
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int i = 0; i < 1000; ++i) x.push_back(dist(rng) * std::ldexp(1.0f, i % 40 - 30));
  for (float v : {0.0f, -0.0f, 65504.0f, 65520.0f, 1e-8f, 5.96e-8f, -3e-5f, INFINITY})
    x.push_back(v);
  const KernelTable& ref = ref_kernels();
  for (const KernelTable* table : host_kernel_tables()) {
    std::vector<uint16_t> want(x.size()), got(x.size());
    ref.f32_to_f16(x.data(), want.data(), static_cast<int64_t>(x.size()));
    table->f32_to_f16(x.data(), got.data(), static_cast<int64_t>(x.size()));
    EXPECT_EQ(want, got) << table->name;
  }
}

}  // namespace
}  // namespace minke
