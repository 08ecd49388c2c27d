// Reference paged attention against a naive f64 attention over contiguous K/V, with GQA, a
// non-contiguous block table, sliding windows, soft-capping, an explicit scale and contexts of
// several key chunks. The naive version rounds q and the softmax probabilities to f16 as the
// kernel does (llama.cpp's f16-KV arithmetic) and is otherwise exact, so the tolerance stays at
// f32 noise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "core/fp16.h"
#include "kernels/ref/ops.h"

namespace minke {
namespace {

constexpr int32_t kBlockSize = 16, kHeadKv = 2, kHeadDim = 32, kHead = 8;

struct Fixture {
  int32_t n_tokens;
  std::vector<uint16_t> k_pool, v_pool;
  std::vector<int32_t> table;  // logical block i -> physical block table[i]
  std::vector<float> k, v;     // contiguous [token][kv_head][dim], f16-rounded

  explicit Fixture(int32_t tokens = 50) : n_tokens(tokens) {
    const int32_t blocks = (tokens + kBlockSize - 1) / kBlockSize;
    table.resize(static_cast<size_t>(blocks));
    std::iota(table.begin(), table.end(), 3);  // blocks 0-2 and the last one stay unused
    std::mt19937 rng(11);
    std::shuffle(table.begin(), table.end(), rng);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    const size_t pool = static_cast<size_t>(blocks + 4) * kBlockSize * kHeadKv * kHeadDim;
    k_pool.assign(pool, f32_to_fp16(NAN));  // unused slots poison the result if read
    v_pool.assign(pool, f32_to_fp16(NAN));
    const KvLayout l{kBlockSize, kHeadKv, kHeadDim};  // the layout kernel_table.h documents
    for (int32_t t = 0; t < tokens; ++t) {
      for (int32_t h = 0; h < kHeadKv; ++h) {
        for (int32_t d = 0; d < kHeadDim; ++d) {
          const uint16_t kh = f32_to_fp16(dist(rng)), vh = f32_to_fp16(dist(rng));
          k.push_back(fp16_to_f32(kh));
          v.push_back(fp16_to_f32(vh));
          const int64_t b = table[static_cast<size_t>(t / kBlockSize)];
          k_pool[static_cast<size_t>(kv_k_index(l, b, h, t % kBlockSize, d))] = kh;
          v_pool[static_cast<size_t>(kv_v_index(l, b, h, t % kBlockSize, d))] = vh;
        }
      }
    }
  }

  KvView view() const {
    return {k_pool.data(), v_pool.data(), {kBlockSize, kHeadKv, kHeadDim}, table, n_tokens};
  }
};

struct Naive {
  std::vector<double> out;
  // Per output element: what a probability on an f16 rounding boundary may add (the kernel's
  // f32 probability can land on the other side of it than the f64 one).
  std::vector<double> slack;
};

double round_f16(double x) { return fp16_to_f32(f32_to_fp16(static_cast<float>(x))); }

Naive naive(const Fixture& f, const float* q, int32_t pos, int32_t head, const AttentionParams& p) {
  const int32_t kvh = head / (kHead / kHeadKv);
  const double scale = p.scale != 0.0f ? p.scale : 1.0 / std::sqrt(double{kHeadDim});
  std::vector<double> s;
  std::vector<int32_t> keys;
  for (int32_t j = 0; j <= pos; ++j) {
    if (p.window > 0 && pos - j >= p.window) continue;
    double dot = 0;
    for (int32_t d = 0; d < kHeadDim; ++d)
      dot += round_f16(q[d]) * f.k[(j * kHeadKv + kvh) * kHeadDim + d];
    dot *= scale;
    if (p.softcap > 0) dot = p.softcap * std::tanh(dot / p.softcap);
    s.push_back(dot);
    keys.push_back(j);
  }
  double mx = -1e300, sum = 0;
  for (double x : s) mx = std::max(mx, x);
  if (p.sinks != nullptr) mx = std::max(mx, double{p.sinks[head]});
  for (double& x : s) sum += (x = std::exp(x - mx));
  if (p.sinks != nullptr) sum += std::exp(p.sinks[head] - mx);  // a logit with no value
  Naive r{std::vector<double>(kHeadDim, 0.0), std::vector<double>(kHeadDim, 0.0)};
  for (size_t i = 0; i < keys.size(); ++i) {
    const double prob = s[i] / sum;
    const double lo = round_f16(prob * (1 - 1e-5)), hi = round_f16(prob * (1 + 1e-5));
    for (int32_t d = 0; d < kHeadDim; ++d) {
      const double v = f.v[(keys[i] * kHeadKv + kvh) * kHeadDim + d];
      r.out[d] += round_f16(prob) * v;
      r.slack[d] += (hi - lo) * std::fabs(v);
    }
  }
  return r;
}

void check(const AttentionParams& p, int32_t tokens = 50) {
  const Fixture f(tokens);
  std::mt19937 rng(12);
  std::normal_distribution<float> dist(0.0f, 1.5f);
  std::vector<float> q(kHeadDim), out(kHeadDim), scratch(static_cast<size_t>(tokens));
  for (int32_t pos : {0, 1, 6, 15, 16, 33, tokens / 2, 511, 512, 1000, tokens - 1}) {
    if (pos >= tokens) continue;
    for (int32_t head = 0; head < kHead; ++head) {
      for (float& v : q) v = dist(rng);
      attention_row_f16kv_f32(q.data(), pos, head, f.view(), p, scratch.data(), out.data());
      const Naive ref = naive(f, q.data(), pos, head, p);
      for (int32_t d = 0; d < kHeadDim; ++d) {
        EXPECT_NEAR(out[d], ref.out[d], 2e-5 + ref.slack[d])
            << "pos " << pos << " head " << head << " d " << d;
      }
    }
  }
}

TEST(RefAttention, CausalGqaPaged) { check({.n_head = kHead}); }
TEST(RefAttention, SlidingWindow) { check({.n_head = kHead, .window = 7}); }
TEST(RefAttention, SoftcapAndExplicitScale) {
  check({.n_head = kHead, .scale = 0.4f, .softcap = 3.0f});
}
// Past kAttnChunkKeys the softmax and value sums run chunk by chunk (kernel_table.h).
// gpt-oss's attention sinks: one logit per head in the denominator, some larger than every score.
TEST(RefAttention, Sinks) {
  const std::vector<float> sinks = {-3.0f, 0.0f, 1.0f, 2.5f, 6.0f, -1.0f, 0.5f, 9.0f};
  check({.n_head = kHead, .sinks = sinks.data()});
  check({.n_head = kHead, .window = 600, .sinks = sinks.data()}, 1200);
}
TEST(RefAttention, SeveralKeyChunks) { check({.n_head = kHead}, 1200); }
TEST(RefAttention, WindowAcrossChunks) { check({.n_head = kHead, .window = 600}, 1200); }
TEST(RefAttention, WindowOfOneIsTheOwnValue) {
  const Fixture f;
  std::vector<float> q(kHeadDim, 1.0f), out(kHeadDim), scratch(f.n_tokens);
  attention_row_f16kv_f32(q.data(), 20, 5, f.view(), {.n_head = kHead, .window = 1}, scratch.data(),
                          out.data());
  for (int32_t d = 0; d < kHeadDim; ++d) EXPECT_EQ(out[d], f.v[(20 * kHeadKv + 1) * kHeadDim + d]);
}

}  // namespace
}  // namespace minke
