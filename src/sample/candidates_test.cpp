// CandidateSet tests: each filter of the sampler chain on hand-made logits, softmax and draw.
#include "sample/candidates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace minke {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

CandidateSet loaded(const std::vector<float>& logits) {
  CandidateSet set(logits.size());
  set.load(logits);
  return set;
}

std::vector<int32_t> ids(const CandidateSet& set) {
  std::vector<int32_t> out;
  for (const Candidate& c : set.view()) out.push_back(c.id);
  return out;
}

TEST(CandidateSet, LoadKeepsIdOrderAndLeavesOutNanAndMinusInf) {
  const std::vector<float> logits = {1.0f, kNaN, -kInf, 0.5f, kInf, -3.0f};
  CandidateSet set = loaded(logits);
  EXPECT_EQ(ids(set), (std::vector<int32_t>{0, 3, 4, 5}));
  EXPECT_FALSE(set.sorted());
  CandidateSet top(logits.size());
  top.load_top_k(logits, 5);  // fewer usable than k: all usable ones, ranked
  EXPECT_EQ(ids(top), (std::vector<int32_t>{4, 0, 3, 5}));
  top.load_top_k(logits, 2);
  EXPECT_EQ(ids(top), (std::vector<int32_t>{4, 0}));
}

TEST(CandidateSet, ArgmaxUsableSkipsNanAndTiesToLowestIndex) {
  EXPECT_EQ(argmax_usable(std::vector<float>{kNaN, 2.0f, -1.0f, 2.0f}), 1);
  EXPECT_EQ(argmax_usable(std::vector<float>{-kInf, -5.0f, kNaN}), 1);
  EXPECT_EQ(argmax_usable(std::vector<float>{1.0f, kInf, kInf}), 1);
  EXPECT_EQ(argmax_usable(std::vector<float>{kNaN, -kInf}), -1);
  EXPECT_EQ(argmax_usable(std::vector<float>{}), -1);
}

TEST(CandidateSet, LoadTopKMatchesLoadThenTopK) {
  // Heap selection and sort-based top-k must give the same tokens in the same order, ties
  // included, with unusable entries sprinkled in.
  std::mt19937 gen(5);
  std::vector<float> logits(5000);
  for (float& l : logits) l = static_cast<float>(gen() % 300) * 0.1f;
  for (size_t i = 0; i < logits.size(); i += 7) logits[i] = (i % 2) ? kNaN : -kInf;
  for (int32_t k : {1, 2, 40, 200, 4999, 5000, 0, -3}) {
    CandidateSet heap(logits.size());
    heap.load_top_k(logits, k);
    CandidateSet sorted = loaded(logits);
    sorted.keep_top_k(k);
    EXPECT_EQ(ids(heap), ids(sorted)) << "k=" << k;
  }
}

TEST(CandidateSet, TopKKeepsExactlyKBestInRankOrderTiesToLowerId) {
  CandidateSet set = loaded({1.0f, 5.0f, 3.0f, 5.0f, 2.0f, -1.0f});
  set.keep_top_k(3);
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.sorted());
  EXPECT_EQ(ids(set), (std::vector<int32_t>{1, 3, 2}));
}

TEST(CandidateSet, TopKDisabledForNonPositiveKAndSortsAllForOversizedK) {
  for (int32_t k : {0, -1}) {
    CandidateSet set = loaded({1.0f, 5.0f, 3.0f, 5.0f, 2.0f, -1.0f});
    set.keep_top_k(k);
    EXPECT_EQ(ids(set), (std::vector<int32_t>{0, 1, 2, 3, 4, 5})) << "k=" << k;
    EXPECT_FALSE(set.sorted());
  }
  for (int32_t k : {6, 100}) {  // keeps everything, ranked
    CandidateSet set = loaded({1.0f, 5.0f, 3.0f, 5.0f, 2.0f, -1.0f});
    set.keep_top_k(k);
    EXPECT_EQ(ids(set), (std::vector<int32_t>{1, 3, 2, 4, 0, 5})) << "k=" << k;
  }
}

TEST(CandidateSet, TopKLargeKMatchesFullSort) {
  // k above the partial_sort cut-off takes the nth_element path.
  std::mt19937 gen(7);
  std::vector<float> logits(10000);
  for (float& l : logits) l = static_cast<float>(gen() % 2000) * 0.01f;  // many ties
  for (int32_t k : {40, 1000}) {
    CandidateSet set = loaded(logits);
    set.keep_top_k(k);
    CandidateSet full = loaded(logits);
    full.keep_top_k(static_cast<int32_t>(logits.size()) - 1);
    std::vector<int32_t> want = ids(full);
    want.resize(static_cast<size_t>(k));
    EXPECT_EQ(ids(set), want) << "k=" << k;
  }
}

TEST(CandidateSet, TopPBoundaryIsInclusive) {
  const std::vector<float> equal4 = {0.0f, 0.0f, 0.0f, 0.0f};  // p = 0.25 each, exactly
  struct Case {
    float p;
    size_t kept;
  };
  for (const Case& c : {Case{0.25f, 1}, Case{0.5f, 2}, Case{std::nextafter(0.5f, 1.0f), 3},
                        Case{0.75f, 3}, Case{0.9f, 4}, Case{1.0f, 4}}) {
    CandidateSet set = loaded(equal4);
    set.keep_top_p(c.p);
    EXPECT_EQ(set.size(), c.kept) << "top_p=" << c.p;
  }
}

TEST(CandidateSet, TopPKeepsSmallestPrefixReachingMass) {
  const std::vector<float> logits = {-1.0f, 2.0f, 0.5f, 1.0f, 0.0f};
  // Reference probabilities in double, in rank order: ids 1, 3, 2, 4, 0.
  const std::vector<int32_t> order = {1, 3, 2, 4, 0};
  double z = 0.0;
  for (float l : logits) z += std::exp(static_cast<double>(l));
  std::vector<double> cum;
  double acc = 0.0;
  for (int32_t id : order) cum.push_back(acc += std::exp(static_cast<double>(logits[id])) / z);
  for (float p : {0.1f, 0.5f, 0.7f, 0.85f, 0.95f, 0.99f}) {
    size_t want = 0;
    while (cum[want] < p) ++want;
    CandidateSet set = loaded(logits);
    set.keep_top_p(p);
    ASSERT_EQ(set.size(), want + 1) << "top_p=" << p;
    EXPECT_EQ(ids(set), std::vector<int32_t>(order.begin(), order.begin() + want + 1));
  }
}

TEST(CandidateSet, TopPOnLargeUnsortedSetGrowsSortedPrefix) {
  // 4096 equal logits: each p is exactly 2^-12, so 0.75 is reached at exactly 3072 candidates,
  // past the first sorted chunks; ties keep the lowest ids.
  CandidateSet set = loaded(std::vector<float>(4096, 1.5f));
  set.keep_top_p(0.75f);
  ASSERT_EQ(set.size(), 3072u);
  const std::vector<int32_t> got = ids(set);
  for (int32_t i = 0; i < 3072; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], i);
}

TEST(CandidateSet, MinPIsRelativeToMaxProbability) {
  // Relative probabilities 1, 0.5, 0.2, 0.04 (logits are their logs, shifted by 3).
  const std::vector<float> logits = {3.0f + std::log(0.04f), 3.0f, 3.0f + std::log(0.2f),
                                     3.0f + std::log(0.5f)};
  struct Case {
    float min_p;
    std::vector<int32_t> kept;  // in id order (unsorted set keeps its order)
  };
  for (const Case& c : {Case{0.05f, {1, 2, 3}}, Case{0.3f, {1, 3}}, Case{0.6f, {1}},
                        Case{1.0f, {1}}, Case{0.01f, {0, 1, 2, 3}}, Case{0.0f, {0, 1, 2, 3}}}) {
    CandidateSet set = loaded(logits);
    set.keep_min_p(c.min_p);
    EXPECT_EQ(ids(set), c.kept) << "min_p=" << c.min_p;
    // Same rule on a sorted set (top-k with k = size - 1 sorts; the dropped one is 0.04).
    CandidateSet sorted = loaded(logits);
    sorted.keep_top_k(3);
    sorted.keep_min_p(c.min_p);
    std::vector<int32_t> want = c.kept;
    std::erase(want, 0);
    std::sort(want.begin(), want.end(),
              [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
    EXPECT_EQ(ids(sorted), want) << "sorted, min_p=" << c.min_p;
  }
}

TEST(CandidateSet, MinPOneKeepsAllTiesOfTheMax) {
  CandidateSet set = loaded({2.0f, 1.0f, 2.0f});
  set.keep_min_p(1.0f);
  EXPECT_EQ(ids(set), (std::vector<int32_t>{0, 2}));
}

TEST(CandidateSet, TemperatureScalesLogitsAndSharpensOrFlattens) {
  const std::vector<float> logits = {1.0f, 2.0f, 3.0f};
  auto probs_at = [&](float t) {
    CandidateSet set = loaded(logits);
    set.scale_temperature(t);
    set.softmax();
    std::vector<float> p;
    for (const Candidate& c : set.view()) p.push_back(c.p);
    return p;
  };
  for (float t : {0.5f, 1.0f, 2.0f}) {
    const std::vector<float> p = probs_at(t);
    double z = 0.0;
    for (float l : logits) z += std::exp(l / static_cast<double>(t));
    for (size_t i = 0; i < logits.size(); ++i) {
      EXPECT_NEAR(p[i], std::exp(logits[i] / static_cast<double>(t)) / z, 1e-6) << "t=" << t;
    }
  }
  EXPECT_GT(probs_at(0.5f)[2], probs_at(1.0f)[2]);  // colder: the best token gains
  EXPECT_LT(probs_at(2.0f)[2], probs_at(1.0f)[2]);  // hotter: it loses
  EXPECT_GT(probs_at(2.0f)[0], probs_at(1.0f)[0]);  // and the worst gains
  CandidateSet set = loaded(logits);
  set.scale_temperature(0.5f);
  EXPECT_EQ(set.view()[2].logit, 6.0f);
}

TEST(CandidateSet, SoftmaxIsStableForHugeLogitsAndHandlesPlusInf) {
  CandidateSet big = loaded({1000.0f, 999.0f});
  big.softmax();
  EXPECT_NEAR(big.view()[0].p, 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(big.view()[1].p, 1.0 / (1.0 + std::exp(1.0)), 1e-6);

  CandidateSet inf = loaded({kInf, 0.0f, kInf});
  inf.softmax();
  EXPECT_EQ(inf.view()[0].p, 0.5f);
  EXPECT_EQ(inf.view()[1].p, 0.0f);
  EXPECT_EQ(inf.view()[2].p, 0.5f);
}

TEST(CandidateSet, ArgmaxTiesToLowestId) {
  EXPECT_EQ(loaded({1.0f, 3.0f, 2.0f, 3.0f}).argmax(), 1);
  EXPECT_EQ(loaded({-5.0f}).argmax(), 0);
}

TEST(CandidateSet, DrawMapsUniformOntoCumulativeWeights) {
  // Four equal weights: [0, .25) -> 0, [.25, .5) -> 1, ...
  struct Case {
    double u;
    int32_t id;
  };
  for (const Case& c : {Case{0.0, 0}, Case{0.2499, 0}, Case{0.25, 1}, Case{0.3, 1}, Case{0.74, 2},
                        Case{0.75, 3}, Case{std::nextafter(1.0, 0.0), 3}}) {
    CandidateSet set = loaded({0.0f, 0.0f, 0.0f, 0.0f});
    EXPECT_EQ(set.draw(c.u), c.id) << "u=" << c.u;
  }
  // A zero-weight candidate (exp underflow) is never drawn, even at the very end.
  CandidateSet set = loaded({0.0f, -1000.0f});
  EXPECT_EQ(set.draw(std::nextafter(1.0, 0.0)), 0);
}

}  // namespace
}  // namespace minke
