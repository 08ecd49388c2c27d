// Sampler: parameter validation, the sampling chain in llama.cpp's default order, and seeding.
#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "core/check.h"
#include "minke/error.h"

namespace minke {

namespace {

std::string fmt(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

[[noreturn]] void bad_param(const std::string& what) { throw Error("sampler: " + what); }

void validate(const SamplerParams& p, int32_t n_vocab) {
  if (n_vocab <= 0) {
    bad_param("vocabulary size must be positive (got " + std::to_string(n_vocab) + ")");
  }
  // Negative temperatures mean greedy, as in llama.cpp; only non-numbers are rejected.
  if (!std::isfinite(p.temperature)) {
    bad_param("temperature must be a finite number (got " + fmt(p.temperature) + ")");
  }
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) {
    bad_param("top_p must be in (0, 1], 1 disables it (got " + fmt(p.top_p) + ")");
  }
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) {
    bad_param("min_p must be in [0, 1], 0 disables it (got " + fmt(p.min_p) + ")");
  }
  if (!(p.repeat_penalty > 0.0f) || !std::isfinite(p.repeat_penalty)) {
    bad_param("repeat_penalty must be a positive number, 1 disables it (got " +
              fmt(p.repeat_penalty) + ")");
  }
  if (!std::isfinite(p.frequency_penalty)) {
    bad_param("frequency_penalty must be a finite number (got " + fmt(p.frequency_penalty) + ")");
  }
  if (!std::isfinite(p.presence_penalty)) {
    bad_param("presence_penalty must be a finite number (got " + fmt(p.presence_penalty) + ")");
  }
  if (p.penalty_last_n < 0 || p.penalty_last_n > kMaxPenaltyLastN) {
    bad_param("penalty_last_n must be in [0, " + std::to_string(kMaxPenaltyLastN) +
              "], 0 disables penalties (got " + std::to_string(p.penalty_last_n) + ")");
  }
}

uint64_t resolve_seed(uint64_t requested) {
  if (requested != kRandomSeed) return requested;
  std::random_device rd;
  uint64_t s = kRandomSeed;
  // Redraw the one value that would mean "random" again if passed back in by a user.
  while (s == kRandomSeed) s = (static_cast<uint64_t>(rd()) << 32) ^ static_cast<uint64_t>(rd());
  return s;
}

// Runs in the first member initialiser, so bad parameters throw before any buffer is sized.
const SamplerParams& validated(const SamplerParams& p, int32_t n_vocab) {
  validate(p, n_vocab);
  return p;
}

}  // namespace

Sampler::Sampler(const SamplerParams& params, int32_t n_vocab)
    : params_(validated(params, n_vocab)),
      n_vocab_(n_vocab),
      seed_(resolve_seed(params.seed)),
      rng_(seed_),
      window_(params.penalty_last_n),
      candidates_(static_cast<size_t>(n_vocab)),
      penalized_(static_cast<size_t>(n_vocab)) {
  params_.seed = seed_;
}

bool Sampler::penalties_active() const {
  return window_.size() > 0 &&
         (params_.repeat_penalty != 1.0f || params_.frequency_penalty != 0.0f ||
          params_.presence_penalty != 0.0f);
}

int32_t Sampler::sample(std::span<const float> logits) {
  MINKE_CHECK(logits.size() == static_cast<size_t>(n_vocab_));
  // Penalties touch at most penalty_last_n tokens, but every later step must see them, so they
  // go into a copy (a memcpy of the row) rather than into the caller's logits.
  std::span<const float> row = logits;
  if (penalties_active()) {
    std::copy(logits.begin(), logits.end(), penalized_.begin());
    window_.for_each_count([&](int32_t token, int32_t count) {
      float& l = penalized_[static_cast<size_t>(token)];
      l = penalize_logit(l, count, params_.repeat_penalty, params_.frequency_penalty,
                         params_.presence_penalty);
    });
    row = penalized_;
  }
  if (filter_ != nullptr) return sample_filtered(row);
  // Greedy: top-k, top-p and min-p always keep the best candidate, so only the argmax matters.
  if (params_.temperature <= 0.0f) {
    const int32_t best = argmax_usable(row);
    if (best < 0) throw_no_usable_logit();
    return best;
  }
  candidates_.load_top_k(row, params_.top_k);
  if (candidates_.size() == 0) throw_no_usable_logit();
  return draw_from_candidates();
}

int32_t Sampler::draw_from_candidates() {
  candidates_.keep_top_p(params_.top_p);
  candidates_.keep_min_p(params_.min_p);
  if (params_.temperature != 1.0f) candidates_.scale_temperature(params_.temperature);
  return candidates_.draw(rng_.next_double());
}

std::span<const float> Sampler::masked(std::span<const float> row) {
  if (row.data() != penalized_.data()) std::copy(row.begin(), row.end(), penalized_.begin());
  filter_->mask(penalized_);
  return penalized_;
}

int32_t Sampler::sample_filtered(std::span<const float> row) {
  if (params_.temperature <= 0.0f) {
    // The unconstrained argmax, when allowed, is also the argmax of the masked row.
    const int32_t best = argmax_usable(row);
    if (best >= 0 && filter_->allows(best)) return best;
    size_t n_allowed = 0;
    const std::span<const uint64_t> words = filter_->allowed_words(n_allowed);
    if (!words.empty() && n_allowed <= row.size() / 8) {
      candidates_.load_top_k_allowed(row, words, 1);
      if (candidates_.size() == 0) throw_nothing_allowed();
      return candidates_.argmax();
    }
    const int32_t allowed = argmax_usable(masked(row));
    if (allowed < 0) throw_nothing_allowed();
    return allowed;
  }
  if (params_.top_k > 0 && !filter_->mask_ready()) {
    // The k best allowed tokens are the top-k of the masked row: look among the best-ranked
    // 4k first; when fewer than k of them are allowed the grammar is narrow here, and masking
    // the row (remembered for this state) is cheaper than looking further.
    const auto k = static_cast<size_t>(params_.top_k);
    const size_t m = std::max<size_t>(4 * k, 64);
    candidates_.load_top_k(row, static_cast<int32_t>(m));
    const size_t loaded = candidates_.size();
    const size_t kept = candidates_.keep_allowed(*filter_, k);
    if (kept == k || (loaded < m && kept > 0)) return draw_from_candidates();
  }
  // Few allowed tokens (a narrow point of the grammar): visit only those. Many: mask the row.
  size_t n_allowed = 0;
  const std::span<const uint64_t> words = filter_->allowed_words(n_allowed);
  if (!words.empty() && n_allowed <= row.size() / 8) {
    candidates_.load_top_k_allowed(row, words, params_.top_k);
  } else {
    candidates_.load_top_k(masked(row), params_.top_k);
  }
  if (candidates_.size() == 0) throw_nothing_allowed();
  return draw_from_candidates();
}

void Sampler::throw_nothing_allowed() const {
  throw Error("sampler: the output constraint (grammar) allows none of the model's tokens here");
}

void Sampler::throw_no_usable_logit() const {
  throw Error("sampler: all " + std::to_string(n_vocab_) +
              " logits are NaN or -inf; the model produced no usable distribution");
}

void Sampler::accept(int32_t token) {
  if (token < 0 || token >= n_vocab_) {
    throw Error("sampler: token id " + std::to_string(token) + " is outside the vocabulary [0, " +
                std::to_string(n_vocab_) + ")");
  }
  window_.push(token);
}

void Sampler::reset() {
  window_.clear();
  rng_.reseed(seed_);
}

}  // namespace minke
