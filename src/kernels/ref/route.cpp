// route_f32: mixture-of-experts routing, the reference (see RouteFn in kernel_table.h).
#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "kernels/ref/ops.h"

namespace minke {
namespace {

// Whether expert a ranks before expert b by score: higher first, the lower id on ties (NaN
// scores rank last).
bool ranks_before(const float* score, int32_t a, int32_t b) {
  const float sa = score[a], sb = score[b];
  if (sa > sb || (std::isnan(sb) && !std::isnan(sa))) return true;
  if (sa < sb || std::isnan(sa) != std::isnan(sb)) return false;
  return a < b;
}

// Writes the k best of the n scores to ids, best first.
void top_k(const float* score, int32_t n, int32_t k, int32_t* ids) {
  for (int32_t i = 0; i < k; ++i) ids[i] = -1;
  for (int32_t e = 0; e < n; ++e) {
    // Insertion into the sorted prefix: k is small (at most a few dozen experts are used).
    int32_t at = k;
    while (at > 0 && (ids[at - 1] < 0 || ranks_before(score, e, ids[at - 1]))) --at;
    if (at == k) continue;
    for (int32_t i = k - 1; i > at; --i) ids[i] = ids[i - 1];
    ids[at] = e;
  }
}

// Masks (to -inf) every expert outside the n_group_used best groups.
void limit_groups(const RouteParams& p, float* select) {
  const int32_t per_group = p.n_expert / p.n_group;
  MINKE_CHECK(p.n_group <= kMaxExpertGroups);
  float group_score[kMaxExpertGroups] = {};
  for (int32_t g = 0; g < p.n_group; ++g) {
    const float* s = select + g * per_group;
    float best = -INFINITY, second = -INFINITY;
    for (int32_t i = 0; i < per_group; ++i) {
      if (s[i] > best) {
        second = best;
        best = s[i];
      } else if (s[i] > second) {
        second = s[i];
      }
    }
    group_score[g] = p.gating == Gating::kSigmoid && per_group > 1 ? best + second : best;
  }
  int32_t keep[kMaxExpertGroups] = {};
  top_k(group_score, p.n_group, p.n_group_used, keep);
  for (int32_t g = 0; g < p.n_group; ++g) {
    if (std::find(keep, keep + p.n_group_used, g) != keep + p.n_group_used) continue;
    std::fill(select + g * per_group, select + (g + 1) * per_group, -INFINITY);
  }
}

}  // namespace

void route_f32(const float* logits, const float* bias, const RouteParams& p, float* scratch,
               int32_t* ids, float* weights) {
  MINKE_DCHECK(p.n_used > 0 && p.n_used <= p.n_expert);
  float* prob = scratch;
  float* select = scratch + p.n_expert;
  if (p.gating == Gating::kSoftmax) {
    softmax_f32(logits, prob, p.n_expert);
  } else if (p.gating == Gating::kSoftmaxChosen) {
    std::copy(logits, logits + p.n_expert, prob);
  } else {
    for (int32_t e = 0; e < p.n_expert; ++e) prob[e] = 1.0f / (1.0f + exp_f32(-logits[e]));
  }
  for (int32_t e = 0; e < p.n_expert; ++e) select[e] = bias ? prob[e] + bias[e] : prob[e];
  if (p.n_group > 1) limit_groups(p, select);
  top_k(select, p.n_expert, p.n_used, ids);

  for (int32_t i = 0; i < p.n_used; ++i) weights[i] = prob[ids[i]];
  if (p.gating == Gating::kSoftmaxChosen) softmax_f32(weights, weights, p.n_used);
  float sum = 0.0f;
  for (int32_t i = 0; i < p.n_used; ++i) sum += weights[i];
  // The clamp keeps an all-zero choice finite (llama.cpp clamps to the smallest f16 normal).
  const float denom = std::max(sum, 6.103515625e-5f);
  for (int32_t i = 0; i < p.n_used; ++i) {
    if (p.norm_weights) weights[i] /= denom;
    weights[i] *= p.weights_scale;
  }
}

}  // namespace minke
