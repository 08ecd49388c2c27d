// Sampler tests: greedy, penalties, the chain's filters end to end, seeding and reproducibility,
// empirical frequencies, unusable logits and parameter validation. Also the RNG's known answers.
#include "sample/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "minke/error.h"

namespace minke {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Pure sampling from the softmax: every filter off, temperature 1.
SamplerParams plain(uint64_t seed) {
  return SamplerParams{.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .min_p = 0.0f, .seed = seed};
}

SamplerParams greedy() { return SamplerParams{.temperature = 0.0f, .seed = 1}; }

TEST(Rng, SplitMix64MatchesReferenceOutputs) {
  // First outputs of Vigna's splitmix64.c from state 0.
  uint64_t state = 0;
  EXPECT_EQ(splitmix64_next(state), 0xe220a8397b1dcdafull);
  EXPECT_EQ(splitmix64_next(state), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(splitmix64_next(state), 0x06c45d188009454full);
}

TEST(Rng, Xoshiro256StarStarMatchesReferenceOutputs) {
  // The reference implementation's outputs from state {1, 2, 3, 4} (as in rand_xoshiro's tests).
  Rng rng(0);
  rng.set_state(1, 2, 3, 4);
  for (uint64_t want : {11520ull, 0ull, 1509978240ull, 1215971899390074240ull,
                        1216172134540287360ull, 607988272756665600ull}) {
    EXPECT_EQ(rng.next_u64(), want);
  }
}

TEST(Rng, SeedingAndUniformsAreExact) {
  // Seed 42 through splitmix64; values from an independent Python transcription.
  Rng rng(42);
  EXPECT_EQ(rng.next_u64(), 0x15780b2e0c2ec716ull);
  EXPECT_EQ(rng.next_u64(), 0x6104d9866d113a7eull);
  rng.reseed(42);
  EXPECT_EQ(rng.next_double(), static_cast<double>(0x15780b2e0c2ec716ull >> 11) * 0x1.0p-53);
  EXPECT_EQ(rng.next_float(), static_cast<float>(0x6104d9866d113a7eull >> 40) * 0x1.0p-24f);
  for (int i = 0; i < 10000; ++i) {
    const double u = rng.next_double();
    ASSERT_TRUE(u >= 0.0 && u < 1.0);
  }
}

TEST(PenaltyWindow, CountsDistinctTokensAndEvictsOldest) {
  PenaltyWindow window(3);
  auto counts = [&] {
    std::map<int32_t, int32_t> m;
    window.for_each_count([&](int32_t t, int32_t c) { m[t] = c; });
    return m;
  };
  window.push(7);
  window.push(2);
  window.push(7);
  EXPECT_EQ(counts(), (std::map<int32_t, int32_t>{{2, 1}, {7, 2}}));
  window.push(5);  // evicts the first 7
  EXPECT_EQ(counts(), (std::map<int32_t, int32_t>{{2, 1}, {5, 1}, {7, 1}}));
  window.clear();
  EXPECT_TRUE(counts().empty());
  PenaltyWindow off(0);
  off.push(1);
  EXPECT_EQ(off.size(), 0);
}

TEST(Penalties, ValuesMatchLlamaCppDefinition) {
  // Repetition: positive logits are divided, zero and negative ones multiplied.
  EXPECT_EQ(penalize_logit(3.0f, 1, 1.5f, 0.0f, 0.0f), 2.0f);
  EXPECT_EQ(penalize_logit(-3.0f, 1, 1.5f, 0.0f, 0.0f), -4.5f);
  EXPECT_EQ(penalize_logit(0.0f, 4, 1.5f, 0.0f, 0.0f), 0.0f);
  // Frequency (per occurrence) and presence (once) are subtracted together.
  EXPECT_EQ(penalize_logit(1.0f, 3, 1.0f, 0.5f, 0.25f), 1.0f - (1.5f + 0.25f));
  EXPECT_EQ(penalize_logit(4.0f, 2, 2.0f, 0.25f, 1.0f), 0.5f);
  // Negative frequency/presence (OpenAI allows them) encourage repetition.
  EXPECT_EQ(penalize_logit(1.0f, 2, 1.0f, -0.5f, -1.0f), 3.0f);
}

TEST(Sampler, GreedyPicksArgmaxTiesToLowestId) {
  Sampler s(greedy(), 5);
  EXPECT_EQ(s.sample(std::vector<float>{0.1f, 2.0f, -1.0f, 2.0f, 1.9f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{-3.0f, -2.0f, -2.5f, -9.0f, -2.0f}), 1);
  // Negative temperature is greedy too (llama.cpp's convention), whatever the seed.
  for (uint64_t seed : {1ull, 2ull, 3ull}) {
    Sampler neg(SamplerParams{.temperature = -1.0f, .seed = seed}, 3);
    EXPECT_EQ(neg.sample(std::vector<float>{0.0f, 0.5f, 0.4f}), 1);
  }
}

TEST(Sampler, RepeatPenaltyChangesGreedyChoiceForWindowTokens) {
  Sampler s(SamplerParams{.temperature = 0.0f, .repeat_penalty = 2.0f, .seed = 1}, 3);
  const std::vector<float> logits = {2.0f, 1.5f, -1.0f};
  EXPECT_EQ(s.sample(logits), 0);
  s.accept(0);  // 2.0 -> 1.0 < 1.5
  EXPECT_EQ(s.sample(logits), 1);
  s.accept(1);  // 1.5 -> 0.75 < 1.0
  EXPECT_EQ(s.sample(logits), 0);
  s.reset();
  EXPECT_EQ(s.sample(logits), 0);
}

TEST(Sampler, FrequencyPenaltyCountsOccurrencesInWindowOnly) {
  SamplerParams p = greedy();
  p.frequency_penalty = 0.25f;
  p.penalty_last_n = 4;
  Sampler s(p, 2);
  const std::vector<float> logits = {0.875f, 0.0f};
  for (int i = 0; i < 3; ++i) s.accept(0);
  EXPECT_EQ(s.sample(logits), 0);  // 0.875 - 0.75 = 0.125 > 0
  s.accept(0);
  EXPECT_EQ(s.sample(logits), 1);  // 0.875 - 1.0 < 0
  s.accept(1);                     // the window of 4 drops one 0: back to three
  // token 1: 0.0 - 0.25 = -0.25; token 0: 0.125.
  EXPECT_EQ(s.sample(logits), 0);
}

TEST(Sampler, PresencePenaltyAppliesOnceWhateverTheCount) {
  SamplerParams p = greedy();
  p.presence_penalty = 0.5f;
  Sampler s(p, 2);
  const std::vector<float> logits = {1.0f, 0.625f};
  for (int i = 0; i < 10; ++i) s.accept(0);
  EXPECT_EQ(s.sample(logits), 1);  // 1.0 - 0.5 = 0.5 < 0.625
  s.accept(1);
  EXPECT_EQ(s.sample(logits), 0);  // 0.5 > 0.125
}

TEST(Sampler, PenaltiesOffWhenWindowIsZero) {
  SamplerParams p = greedy();
  p.repeat_penalty = 100.0f;
  p.penalty_last_n = 0;
  Sampler s(p, 2);
  s.accept(0);
  EXPECT_EQ(s.sample(std::vector<float>{1.0f, 0.0f}), 0);
}

TEST(Sampler, SeedPinsTheStreamExactly) {
  // Four equal logits: token = floor(4u) = the top two bits of each xoshiro output, from seed 42:
  // 0x15.., 0x61.., 0xae.., 0xec.., 0xfd.. -> 0, 1, 2, 3, 3 (checked in Python).
  Sampler s(plain(42), 4);
  const std::vector<float> logits(4, 0.0f);
  std::vector<int32_t> got;
  for (int i = 0; i < 5; ++i) got.push_back(s.sample(logits));
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1, 2, 3, 3}));
}

std::vector<int32_t> run(Sampler& s, const std::vector<float>& logits, int n) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(s.sample(logits));
    s.accept(out.back());
  }
  return out;
}

std::vector<float> random_logits(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(gen() % 10000) * 1e-3f;  // spread over [0, 10)
  return v;
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDifferent) {
  const std::vector<float> logits = random_logits(1000, 3);
  SamplerParams p{.temperature = 1.5f,
                  .top_k = 200,
                  .top_p = 0.99f,
                  .min_p = 0.001f,
                  .repeat_penalty = 1.1f,
                  .seed = 1234};
  Sampler a(p, 1000);
  Sampler b(p, 1000);
  p.seed = 1235;
  Sampler c(p, 1000);
  const std::vector<int32_t> seq_a = run(a, logits, 200);
  EXPECT_EQ(run(b, logits, 200), seq_a);
  EXPECT_NE(run(c, logits, 200), seq_a);
  EXPECT_GT(std::set<int32_t>(seq_a.begin(), seq_a.end()).size(), 10u);  // it really samples
  a.reset();  // empties the penalty window and restarts the stream
  EXPECT_EQ(run(a, logits, 200), seq_a);
}

TEST(Sampler, RandomSeedIsReportedAndReproducible) {
  const std::vector<float> logits = random_logits(100, 4);
  Sampler r1(plain(kRandomSeed), 100);
  Sampler r2(plain(kRandomSeed), 100);
  EXPECT_NE(r1.seed(), kRandomSeed);
  EXPECT_EQ(r1.params().seed, r1.seed());
  EXPECT_NE(r1.seed(), r2.seed());  // 2^-64 chance of a false failure
  Sampler again(plain(r1.seed()), 100);
  EXPECT_EQ(run(again, logits, 50), run(r1, logits, 50));
  EXPECT_EQ(SamplerParams{}.seed, kRandomSeed);
}

std::vector<double> frequencies(Sampler& s, const std::vector<float>& logits, int n) {
  std::vector<int> count(logits.size(), 0);
  for (int i = 0; i < n; ++i) ++count[static_cast<size_t>(s.sample(logits))];
  std::vector<double> f;
  for (int c : count) f.push_back(static_cast<double>(c) / n);
  return f;
}

TEST(Sampler, EmpiricalFrequenciesMatchDistribution) {
  // 100k draws: the standard error of a frequency is at most 0.0016, so 0.01 is over 6 sigma.
  constexpr int kDraws = 100000;
  constexpr double kTol = 0.01;
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  Sampler s(plain(99), 3);
  const std::vector<double> f = frequencies(s, logits, kDraws);
  EXPECT_NEAR(f[0], 0.5, kTol);
  EXPECT_NEAR(f[1], 0.3, kTol);
  EXPECT_NEAR(f[2], 0.2, kTol);
  // Temperature 0.5 squares the probabilities: 0.25 : 0.09 : 0.04.
  SamplerParams cold = plain(100);
  cold.temperature = 0.5f;
  Sampler c(cold, 3);
  const std::vector<double> fc = frequencies(c, logits, kDraws);
  EXPECT_NEAR(fc[0], 0.25 / 0.38, kTol);
  EXPECT_NEAR(fc[1], 0.09 / 0.38, kTol);
  EXPECT_NEAR(fc[2], 0.04 / 0.38, kTol);
}

TEST(Sampler, ChainFiltersRestrictWhatCanBeDrawn) {
  const std::vector<float> logits = {0.0f, 3.0f, 1.0f, 2.9f, 2.0f};
  SamplerParams k2 = plain(5);
  k2.top_k = 2;
  Sampler s(k2, 5);
  std::vector<double> f = frequencies(s, logits, 20000);
  EXPECT_GT(f[1], 0.4);
  EXPECT_GT(f[3], 0.4);
  EXPECT_EQ(f[0] + f[2] + f[4], 0.0);
  // min-p 0.3: keeps tokens with p >= 0.3 * p_max, i.e. logit >= 3 + ln 0.3 = 1.796: ids 1, 3, 4.
  SamplerParams mp = plain(6);
  mp.min_p = 0.3f;
  Sampler m(mp, 5);
  f = frequencies(m, logits, 20000);
  EXPECT_GT(f[4], 0.05);
  EXPECT_EQ(f[0] + f[2], 0.0);
}

TEST(Sampler, UnusableLogitsAreNeverSampled) {
  const std::vector<float> logits = {-kInf, kNaN, 0.0f, -kInf, 0.0f, kNaN};
  Sampler s(plain(7), 6);
  const std::vector<double> f = frequencies(s, logits, 10000);
  EXPECT_EQ(f[0] + f[1] + f[3] + f[5], 0.0);
  EXPECT_NEAR(f[2], 0.5, 0.03);
  Sampler g(greedy(), 3);
  EXPECT_EQ(g.sample(std::vector<float>{kNaN, -1.0f, kNaN}), 1);
  // An +inf logit takes all the probability.
  Sampler inf(plain(8), 3);
  const std::vector<double> fi = frequencies(inf, {5.0f, kInf, 4.0f}, 1000);
  EXPECT_EQ(fi[1], 1.0);
}

TEST(Sampler, AllUnusableLogitsThrow) {
  Sampler s(plain(1), 3);
  EXPECT_THROW(s.sample(std::vector<float>{-kInf, kNaN, -kInf}), Error);
  Sampler g(greedy(), 2);
  EXPECT_THROW(g.sample(std::vector<float>{kNaN, kNaN}), Error);
}

void expect_rejected(const SamplerParams& p, const std::string& field, int32_t n_vocab = 10) {
  try {
    Sampler s(p, n_vocab);
    ADD_FAILURE() << "accepted invalid " << field;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

TEST(Sampler, InvalidParamsAreRejectedAtConstruction) {
  auto with = [](auto mutate) {
    SamplerParams p;
    mutate(p);
    return p;
  };
  expect_rejected(with([](SamplerParams& p) { p.top_p = 0.0f; }), "top_p");
  expect_rejected(with([](SamplerParams& p) { p.top_p = 1.5f; }), "top_p");
  expect_rejected(with([](SamplerParams& p) { p.top_p = kNaN; }), "top_p");
  expect_rejected(with([](SamplerParams& p) { p.min_p = -0.1f; }), "min_p");
  expect_rejected(with([](SamplerParams& p) { p.min_p = 1.1f; }), "min_p");
  expect_rejected(with([](SamplerParams& p) { p.temperature = kNaN; }), "temperature");
  expect_rejected(with([](SamplerParams& p) { p.temperature = kInf; }), "temperature");
  expect_rejected(with([](SamplerParams& p) { p.repeat_penalty = 0.0f; }), "repeat_penalty");
  expect_rejected(with([](SamplerParams& p) { p.repeat_penalty = -1.0f; }), "repeat_penalty");
  expect_rejected(with([](SamplerParams& p) { p.frequency_penalty = kInf; }), "frequency_penalty");
  expect_rejected(with([](SamplerParams& p) { p.presence_penalty = kNaN; }), "presence_penalty");
  expect_rejected(with([](SamplerParams& p) { p.penalty_last_n = -1; }), "penalty_last_n");
  expect_rejected(with([](SamplerParams& p) { p.penalty_last_n = kMaxPenaltyLastN + 1; }),
                  "penalty_last_n");
  expect_rejected(SamplerParams{}, "vocabulary", 0);
  // Edges that are valid: top_p 1, min_p 0 and 1, any top_k, negative temperature.
  EXPECT_NO_THROW(Sampler(with([](SamplerParams& p) {
                            p.top_p = 1.0f;
                            p.min_p = 1.0f;
                            p.top_k = -5;
                            p.temperature = -0.5f;
                          }),
                          10));
}

TEST(Sampler, AcceptRejectsIdsOutsideVocabulary) {
  Sampler s(plain(1), 10);
  EXPECT_THROW(s.accept(10), Error);
  EXPECT_THROW(s.accept(-1), Error);
  EXPECT_NO_THROW(s.accept(9));
}

TEST(Sampler, DefaultChainOnGemmaSizedVocabularyPicksFromTopK) {
  constexpr int32_t kVocab = 262144;
  const std::vector<float> logits = random_logits(kVocab, 11);
  Sampler s(SamplerParams{.seed = 2024}, kVocab);  // defaults: top_k 40, top_p .95, min_p .05
  std::vector<float> sorted = logits;
  std::nth_element(sorted.begin(), sorted.begin() + 39, sorted.end(), std::greater<float>());
  const float fortieth = sorted[39];
  for (int i = 0; i < 50; ++i) {
    const int32_t t = s.sample(logits);
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kVocab);
    EXPECT_GE(logits[static_cast<size_t>(t)], fortieth);
    s.accept(t);
  }
}

}  // namespace
}  // namespace minke
