// route_f32 against a direct transcription of the routing in DeepSeek's, Qwen's and gpt-oss's
// reference modelling code (full sort, explicit group masks), on random logits and hand-made
// cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/ref/ops.h"

namespace minke {
namespace {

struct Routed {
  std::vector<int32_t> ids;
  std::vector<float> weights;
};

Routed route(const std::vector<float>& logits, const std::vector<float>* bias,
             const RouteParams& p) {
  Routed r{std::vector<int32_t>(p.n_used), std::vector<float>(p.n_used)};
  std::vector<float> scratch(2 * p.n_expert);
  route_f32(logits.data(), bias ? bias->data() : nullptr, p, scratch.data(), r.ids.data(),
            r.weights.data());
  return r;
}

// The oracle: scores, a stable sort for the groups and the experts, then the weights.
Routed route_oracle(const std::vector<float>& logits, const std::vector<float>* bias,
                    const RouteParams& p) {
  const auto n = static_cast<size_t>(p.n_expert);
  std::vector<double> prob(n), score(n);
  if (p.gating == Gating::kSoftmax) {
    const double mx = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (size_t e = 0; e < n; ++e) sum += prob[e] = std::exp(logits[e] - mx);
    for (double& v : prob) v /= sum;
  } else if (p.gating == Gating::kSigmoid) {
    for (size_t e = 0; e < n; ++e) prob[e] = 1 / (1 + std::exp(-double{logits[e]}));
  } else {
    for (size_t e = 0; e < n; ++e) prob[e] = logits[e];  // kSoftmaxChosen: softmax comes later
  }
  for (size_t e = 0; e < n; ++e) score[e] = prob[e] + (bias ? (*bias)[e] : 0.0);
  if (p.n_group > 1) {
    const size_t per = n / static_cast<size_t>(p.n_group);
    std::vector<double> gscore(static_cast<size_t>(p.n_group));
    for (size_t g = 0; g < gscore.size(); ++g) {
      std::vector<double> s(score.begin() + g * per, score.begin() + (g + 1) * per);
      std::sort(s.rbegin(), s.rend());
      gscore[g] = p.gating == Gating::kSigmoid ? s[0] + s[1] : s[0];
    }
    std::vector<size_t> gorder(gscore.size());
    std::iota(gorder.begin(), gorder.end(), 0);
    std::stable_sort(gorder.begin(), gorder.end(),
                     [&](size_t a, size_t b) { return gscore[a] > gscore[b]; });
    for (size_t k = static_cast<size_t>(p.n_group_used); k < gorder.size(); ++k) {
      for (size_t i = 0; i < per; ++i) score[gorder[k] * per + i] = -INFINITY;
    }
  }
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return score[a] > score[b]; });
  if (p.gating == Gating::kSoftmaxChosen) {  // softmax over the chosen logits only
    double top_sum = 0;
    for (int32_t i = 0; i < p.n_used; ++i) top_sum += std::exp(prob[order[i]] - prob[order[0]]);
    std::vector<double> chosen(n);
    for (int32_t i = 0; i < p.n_used; ++i) {
      chosen[order[i]] = std::exp(prob[order[i]] - prob[order[0]]) / top_sum;
    }
    prob = chosen;
  }
  Routed r;
  double sum = 0;
  for (int32_t i = 0; i < p.n_used; ++i) sum += prob[order[i]];
  for (int32_t i = 0; i < p.n_used; ++i) {
    r.ids.push_back(order[i]);
    const double w = p.norm_weights ? prob[order[i]] / sum : prob[order[i]];
    r.weights.push_back(static_cast<float>(w * p.weights_scale));
  }
  return r;
}

void expect_same(const Routed& got, const Routed& want, const char* what) {
  EXPECT_EQ(got.ids, want.ids) << what;
  for (size_t i = 0; i < want.weights.size(); ++i) {
    // f32 arithmetic against double: a few ulp.
    EXPECT_NEAR(got.weights[i], want.weights[i], 2e-6f * std::fabs(want.weights[i]) + 1e-9f)
        << what << " choice " << i;
  }
}

TEST(RefRoute, MatchesReferenceRoutingOnRandomLogits) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  const RouteParams cases[] = {
      // Qwen3-MoE: softmax, top-8 of 128, renormalised.
      {.n_expert = 128, .n_used = 8, .gating = Gating::kSoftmax, .norm_weights = true},
      // DeepSeek-V2-Lite: softmax, top-6 of 64, not renormalised, scaled.
      {.n_expert = 64, .n_used = 6, .gating = Gating::kSoftmax, .weights_scale = 1.5f},
      // DeepSeek-V2: softmax, 8 groups of which 3 compete (best member), top-6 of 160.
      {.n_expert = 160, .n_used = 6, .gating = Gating::kSoftmax, .n_group = 8, .n_group_used = 3},
      // gpt-oss-20b: top-4 of 32 by logit, softmax over the 4.
      {.n_expert = 32, .n_used = 4, .gating = Gating::kSoftmaxChosen},
      // DeepSeek-V3: sigmoid + bias, 8 groups of which 4 compete (two best), top-8 of 256.
      {.n_expert = 256,
       .n_used = 8,
       .gating = Gating::kSigmoid,
       .n_group = 8,
       .n_group_used = 4,
       .norm_weights = true,
       .weights_scale = 2.5f},
  };
  for (const RouteParams& p : cases) {
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<float> logits(static_cast<size_t>(p.n_expert)), bias(logits.size());
      for (float& v : logits) v = nd(rng);
      for (float& v : bias) v = 0.1f * nd(rng);
      const bool biased = p.gating == Gating::kSigmoid;
      const std::vector<float>* b = biased ? &bias : nullptr;
      expect_same(route(logits, b, p), route_oracle(logits, b, p), "random");
    }
  }
}

TEST(RefRoute, BiasRanksButDoesNotWeigh) {
  // Expert 3 has the lowest probability but the bias puts it first; its weight stays its own
  // (unbiased) probability.
  const RouteParams p{.n_expert = 4, .n_used = 2, .gating = Gating::kSigmoid};
  const std::vector<float> logits = {2.0f, 1.0f, 0.0f, -1.0f};
  const std::vector<float> bias = {0.0f, 0.0f, 0.0f, 1.0f};
  const Routed r = route(logits, &bias, p);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{3, 0}));
  EXPECT_FLOAT_EQ(r.weights[0], 1.0f / (1.0f + std::exp(1.0f)));
  EXPECT_FLOAT_EQ(r.weights[1], 1.0f / (1.0f + std::exp(-2.0f)));
}

TEST(RefRoute, GroupsLimitTheChoice) {
  // Two groups of 3 (sigmoid: a group scores its two best). Group 0 holds the single best
  // expert, group 1 the better pair, so with one group allowed every choice comes from group 1.
  const RouteParams p{
      .n_expert = 6, .n_used = 2, .gating = Gating::kSigmoid, .n_group = 2, .n_group_used = 1};
  const std::vector<float> logits = {5.0f, -5.0f, -5.0f, 1.0f, 1.5f, -5.0f};
  EXPECT_EQ(route(logits, nullptr, p).ids, (std::vector<int32_t>{4, 3}));
  // Softmax gating scores a group by its best member: group 0 wins.
  RouteParams soft = p;
  soft.gating = Gating::kSoftmax;
  EXPECT_EQ(route(logits, nullptr, soft).ids, (std::vector<int32_t>{0, 1}));
}

TEST(RefRoute, TiesGoToTheLowerIdAndWeightsNormalise) {
  const RouteParams p{.n_expert = 5, .n_used = 3, .gating = Gating::kSoftmax, .norm_weights = true};
  const std::vector<float> logits = {0.5f, 1.0f, 1.0f, 0.5f, 1.0f};
  const Routed r = route(logits, nullptr, p);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2, 4}));
  for (const float w : r.weights) EXPECT_FLOAT_EQ(w, 1.0f / 3.0f);
}

}  // namespace
}  // namespace minke
