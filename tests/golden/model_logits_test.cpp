// Model forward passes against llama.cpp (llama-cpp-python, CPU, f16 KV cache), on every kernel
// path this CPU runs: for each fixture in tests/golden/data/models/logits/
// (scripts/make_golden_logits.py), the prompt run as one batch must give logits within a
// tolerance of llama.cpp's (its top-32 at every position, its full rows, stored as f16), a KL
// divergence from llama.cpp's distribution within a bound (mean and max over the stored rows, as
// llama-perplexity --kl-divergence reports it), and llama.cpp's argmax at every position except
// where llama.cpp's own spread there (across its batch settings and KV precisions) exceeds its
// top1 - top2 margin (a near-tie llama.cpp itself moves across; counted and printed). The greedy
// continuation (one token per forward()) must give the same tokens up to such a near-tie, then,
// teacher-forced with llama.cpp's tokens, the same argmax at every step outside the same waiver.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "core/fp16.h"
#include "gguf/gguf_file.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "support/kernel_paths.h"
#include "support/test_paths.h"

namespace minke {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path logits_dir() { return testing::golden_dir() / "models" / "logits"; }

std::vector<uint16_t> read_f16(const fs::path& p, size_t n) {
  std::vector<uint16_t> v(n);
  std::ifstream in(p, std::ios::binary);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(uint16_t)));
  EXPECT_TRUE(in.good()) << p << ": expected " << n << " f16 values";
  return v;
}

// How far x lies outside the interval of f32 values that round to the f16 value h: the part of
// |x - llama.cpp's f32 logit| that storing the fixture as f16 cannot explain (0 if none).
float beyond_f16(float x, uint16_t h) {
  const float v = fp16_to_f32(h);
  const auto mag = static_cast<uint16_t>(h & 0x7fff);
  const float half_ulp = 0.5f * (fp16_to_f32(static_cast<uint16_t>(mag + 1)) - fp16_to_f32(mag));
  return std::max(0.0f, std::fabs(x - v) - half_ulp);
}

// log-softmax of a row in double.
std::vector<double> log_softmax(std::span<const float> row) {
  const double mx = *std::max_element(row.begin(), row.end());
  double sum = 0;
  for (const float x : row) sum += std::exp(x - mx);
  const double lse = mx + std::log(sum);
  std::vector<double> out(row.size());
  for (size_t j = 0; j < row.size(); ++j) out[j] = row[j] - lse;
  return out;
}

// KL(P || Q) for P = softmax(base) (llama.cpp's), Q = softmax(ours): what llama-perplexity
// --kl-divergence computes per token against its base logits.
double kl_divergence(std::span<const float> base, std::span<const float> ours) {
  const std::vector<double> lp = log_softmax(base), lq = log_softmax(ours);
  double kl = 0;
  for (size_t j = 0; j < lp.size(); ++j) kl += std::exp(lp[j]) * (lp[j] - lq[j]);
  return kl;
}

struct Tolerance {
  float max_abs;    // max |our logit - llama.cpp's| over each position's top-32 and the full rows
  float mean_max;   // mean over prompt positions of the position's max |diff| (top-32)
  double kl_mean;   // mean over the stored full rows of KL(llama.cpp || ours)
  double kl_max;    // the largest of them
  int min_top1;     // prompt positions whose argmax must be llama.cpp's (waived ones included)
  int greedy_same;  // free-running greedy steps that must equal llama.cpp's (measured)
  int max_greedy = 64;
};

// llama.cpp's own spread at each prompt position: the largest |dlogit| over the vocabulary
// between its reference run and the same prompt with 1 thread, one token per decode call,
// ubatches of 7 or an f32 KV cache (self_variance in the fixture). A top1 - top2 margin below it
// is a near-tie that llama.cpp itself moves across, so our argmax is waived there.
//
// The batch variants alone are not enough: llama.cpp's batch paths share its kernels for the
// first positions (SmolLM2: bit-identical up to position 6) and everywhere on the tiny quantized
// models, so their spread is 0 there, while any other correct arithmetic (Minke's own exp and
// summation order) differs from llama.cpp from position 0. With batch variants only, SmolLM2
// position 5 (margin 0.081), its greedy step 10 (0.030) and tiny-qwen3 position 12 (0.0098) flip
// unwaived; the f32 cache, llama.cpp's own alternative arithmetic, moves them all.
std::vector<float> llama_spread(const json& fx, size_t n) {
  std::vector<float> spread(n, 0.0f);
  for (const char* v : {"threads1", "batch1", "batch7", "kv_f32"}) {
    const std::vector<float> d =
        fx["self_variance"][v]["max_abs_diff_per_position"].get<std::vector<float>>();
    EXPECT_EQ(d.size(), n) << v;
    for (size_t i = 0; i < std::min(n, d.size()); ++i) spread[i] = std::max(spread[i], d[i]);
  }
  return spread;
}

// The same per greedy step: the one-token-per-call logits against the same tokens evaluated in
// one batch, with an f16 and with an f32 KV cache.
std::vector<float> llama_greedy_spread(const json& fx) {
  std::vector<float> spread = fx["greedy"]["batched_max_abs_diff"].get<std::vector<float>>();
  const std::vector<float> f32 = fx["greedy"]["kv_f32_max_abs_diff"].get<std::vector<float>>();
  EXPECT_EQ(f32.size(), spread.size());
  for (size_t k = 0; k < std::min(spread.size(), f32.size()); ++k) {
    spread[k] = std::max(spread[k], f32[k]);
  }
  return spread;
}

struct GreedyResult {
  int same = 0;      // leading free-running steps equal to llama.cpp's tokens
  int checked = 0;   // steps whose argmax was required to be llama.cpp's token
  int waived = 0;    // teacher-forced steps that disagree where llama.cpp's margin < its spread
  int tf_agree = 0;  // teacher-forced steps (after the divergence) whose argmax agrees anyway
  int tf_steps = 0;  // teacher-forced steps
};

// Greedy continuation, one token per forward(), against llama.cpp's 64 tokens. Free-running:
// ours must equal llama.cpp's for at least tol.greedy_same steps, and may diverge only at a step
// whose llama.cpp top1 - top2 margin is below llama.cpp's own spread there
// (llama_greedy_spread); after it the texts legitimately part ways. Past the divergence, teacher
// forcing keeps the check going: llama.cpp's tokens are fed (the cache keeps the common prefix) and
// our argmax must be its token at every step outside the same waiver.
GreedyResult check_greedy(const std::string& name, Model& m, KvCache& kv, const json& fx,
                          const Tolerance& tol) {
  const std::vector<int32_t> prompt = fx["prompt_ids"].get<std::vector<int32_t>>();
  const std::vector<int32_t> want = fx["greedy"]["tokens"].get<std::vector<int32_t>>();
  const std::vector<float> margins = fx["greedy"]["margins"].get<std::vector<float>>();
  const std::vector<float> spread = llama_greedy_spread(fx);
  const auto n = static_cast<int32_t>(prompt.size());
  const int32_t n_vocab = m.config().n_vocab;
  int n_greedy = std::min(tol.max_greedy, static_cast<int>(want.size()));
#if defined(__SANITIZE_ADDRESS__)
  if (n_vocab > 1000) n_greedy = std::min(n_greedy, 8);  // the real models are slow under ASan
#endif
  kv.remove(0);
  const std::vector<int32_t> got = testing::greedy(m, kv, prompt, 0, n_greedy);
  GreedyResult res;
  res.same =
      static_cast<int>(std::mismatch(got.begin(), got.end(), want.begin()).first - got.begin());
  res.checked = res.same;
  EXPECT_GE(res.same, std::min(tol.greedy_same, n_greedy))
      << name << ": free-running greedy step " << res.same << " gives " << got[res.same]
      << ", llama.cpp " << want[res.same] << " (margin " << margins[res.same] << ")";
  if (res.same == n_greedy) return res;
  ++res.waived;
  EXPECT_LT(margins[res.same], spread[res.same])
      << name << ": greedy step " << res.same << " diverges where llama.cpp's margin "
      << margins[res.same] << " exceeds its own spread " << spread[res.same];
  kv.truncate(0, n + res.same);
  const std::span<const int32_t> fed(want.data() + res.same, n_greedy - 1 - res.same);
  if (fed.empty()) return res;
  const std::vector<float> rows = testing::run_tokens(m, kv, fed, 0, n + res.same, true);
  for (int k = res.same + 1; k < n_greedy; ++k) {
    const auto r = std::span<const float>(rows).subspan(
        static_cast<size_t>(k - res.same - 1) * n_vocab, static_cast<size_t>(n_vocab));
    const bool agree = testing::argmax(r) == want[k];
    ++res.tf_steps;
    res.tf_agree += agree;
    if (!agree && margins[k] < spread[k]) {
      ++res.waived;
      continue;
    }
    ++res.checked;
    EXPECT_TRUE(agree) << name << ": teacher-forced greedy step " << k << " gives "
                       << testing::argmax(r) << ", llama.cpp " << want[k] << " (margin "
                       << margins[k] << ", llama.cpp's own spread " << spread[k] << ")";
  }
  return res;
}

// `model` is the GGUF path; `name` the fixture's base name; `table` the kernel path under test.
void check_model(const std::string& name, const fs::path& model, const Tolerance& tol,
                 const KernelTable& table) {
  ASSERT_TRUE(fs::exists(model)) << testing::model_missing_message(model);
  std::ifstream in(logits_dir() / (name + ".json"));
  ASSERT_TRUE(in.good()) << name << ".json missing: run scripts/make_golden_logits.py";
  const json fx = json::parse(in);
  const auto gguf = GgufFile::open(model.string());
  auto be = make_cpu_backend({.n_threads = 2, .kernels = &table});
  auto m = load_model(*gguf, *be);
  const int32_t n_vocab = m->config().n_vocab;
  ASSERT_EQ(n_vocab, fx["model"]["n_vocab"].get<int32_t>());

  const std::vector<int32_t> prompt = fx["prompt_ids"].get<std::vector<int32_t>>();
  const auto n = static_cast<int32_t>(prompt.size());
  ASSERT_EQ(fx["positions"].size(), prompt.size());
  auto kv = testing::make_kv_cache(*be, *m, n + fx["greedy"]["n"].get<int32_t>());
  const std::vector<float> logits = testing::run_tokens(*m, *kv, prompt, 0, 0, true);
  const auto row = [&](int32_t i) {
    return std::span<const float>(logits).subspan(static_cast<size_t>(i) * n_vocab,
                                                  static_cast<size_t>(n_vocab));
  };

  // Prompt positions: argmax (waived only under llama.cpp's own spread) and the top-32 logits.
  const std::vector<float> spread = llama_spread(fx, static_cast<size_t>(n));
  float max_diff = 0;
  int top1_same = 0, waived = 0, worst = -1;
  float mean_pos_max = 0;  // mean over positions of the position's max |diff| (top-32)
  int exact_prefix = 0;    // leading positions that agree to f32 noise (<= 1e-4)
  for (int32_t i = 0; i < n; ++i) {
    const json& p = fx["positions"][static_cast<size_t>(i)];
    const std::span<const float> r = row(i);
    const bool same = testing::argmax(r) == p["argmax"].get<int32_t>();
    top1_same += same;
    const float margin = p["top"][0][1].get<float>() - p["top"][1][1].get<float>();
    if (!same && margin < spread[static_cast<size_t>(i)]) {
      ++waived;
      std::printf(
          "[ golden ] %s/%s position %d: argmax %d, llama.cpp %d (margin %.3g < its own "
          "spread %.3g): waived\n",
          name.c_str(), table.name, i, testing::argmax(r), p["argmax"].get<int32_t>(), margin,
          spread[static_cast<size_t>(i)]);
    } else {
      EXPECT_TRUE(same) << name << " position " << i << ": argmax " << testing::argmax(r)
                        << ", llama.cpp " << p["argmax"] << " with margin " << margin
                        << " (llama.cpp's own spread there: " << spread[static_cast<size_t>(i)]
                        << ")";
    }
    float pos_max = 0;
    for (const json& e : p["top"]) {
      pos_max = std::max(pos_max, std::fabs(r[e[0].get<size_t>()] - e[1].get<float>()));
    }
    if (pos_max > max_diff) max_diff = pos_max, worst = i;
    mean_pos_max += pos_max / static_cast<float>(n);
    if (pos_max <= 1e-4f && exact_prefix == i) ++exact_prefix;
  }

  // Full rows (f16): |dlogit| beyond the f16 storage rounding, and the KL divergence.
  const std::vector<int32_t> stored = fx["rows"]["positions"].get<std::vector<int32_t>>();
  ASSERT_FALSE(stored.empty());
  for (const int32_t pos : stored) ASSERT_TRUE(pos >= 0 && pos < n) << "stored row " << pos;
  const std::vector<uint16_t> rows16 =
      read_f16(logits_dir() / fx["rows"]["file"].get<std::string>(),
               stored.size() * static_cast<size_t>(n_vocab));
  double kl_sum = 0, kl_max = 0, row_abs_sum = 0;
  int kl_worst = -1;
  std::vector<float> base(static_cast<size_t>(n_vocab));
  for (size_t s = 0; s < stored.size(); ++s) {
    const std::span<const float> r = row(stored[s]);
    const uint16_t* want = rows16.data() + s * static_cast<size_t>(n_vocab);
    for (int32_t j = 0; j < n_vocab; ++j) {
      base[static_cast<size_t>(j)] = fp16_to_f32(want[j]);
      const float d = beyond_f16(r[static_cast<size_t>(j)], want[j]);
      row_abs_sum += std::fabs(r[static_cast<size_t>(j)] - base[static_cast<size_t>(j)]);
      if (d > max_diff) max_diff = d, worst = stored[s];
    }
    const double kl = kl_divergence(base, r);
    kl_sum += kl;
    if (kl > kl_max) kl_max = kl, kl_worst = stored[s];
  }
  const double kl_mean = kl_sum / static_cast<double>(stored.size());
  const double row_mean_abs = row_abs_sum / static_cast<double>(stored.size() * n_vocab);
  EXPECT_LE(max_diff, tol.max_abs) << name;
  EXPECT_LE(mean_pos_max, tol.mean_max) << name;
  EXPECT_LE(kl_mean, tol.kl_mean) << name;
  EXPECT_LE(kl_max, tol.kl_max) << name << " (position " << kl_worst << ")";
  EXPECT_GE(top1_same, tol.min_top1) << name;

  const GreedyResult g = check_greedy(name, *m, *kv, fx, tol);
  std::printf(
      "[ golden ] %s/%s: top-1 %d/%d (%d waived), max |dlogit| %.4g (position %d), mean of "
      "position maxima %.3g, full-row mean |dlogit| %.3g, KL mean %.3g max %.3g (position %d) "
      "over %zu rows, first %d positions within 1e-4; greedy: identical for %d steps, then "
      "teacher-forced argmax agrees at %d/%d; %d steps checked, %d waived\n",
      name.c_str(), table.name, top1_same, n, waived, max_diff, worst, mean_pos_max, row_mean_abs,
      kl_mean, kl_max, kl_worst, stored.size(), exact_prefix, g.same, g.tf_agree, g.tf_steps,
      g.checked, g.waived);
}

fs::path tiny(const char* arch) {
  return testing::golden_dir() / "models" / "tiny" / (std::string(arch) + ".gguf");
}

// Tolerances are just above what was measured (Release and ASan builds compute the same bits:
// -ffp-contract=off, no -march), and every SIMD path gives the reference's bits, so one set holds
// for all paths; the [ golden ] line prints the measured values. max |dlogit| covers every full
// row now (before: two rows and the top-32 elsewhere), so it is larger than the old figures.
// What is left is chaos, not a systematic error: an f32 sum taken in a different order than
// llama.cpp's SIMD code, or Minke's exp instead of ggml's, flips an int8 or f16 rounding now and
// then, and the flip propagates through the later layers and positions. llama.cpp differs from
// itself by as much: its KL (mean / max) with one token per decode call, ubatches of 7 and an f32
// KV cache is SmolLM2 0.0019 / 0.0088, 0 / 0, 0.0038 / 0.0107; Gemma 3 0.0055 / 0.025,
// 0.0052 / 0.015, 0.0061 / 0.023; Qwen2.5 0.0016 / 0.0056, 0.0018 / 0.0050, 0.0020 / 0.0069
// (self_variance). The KL against the f16-stored rows has a floor of ~1e-6 from that rounding
// (tiny llama, exact to 1e-6 in f32); |dlogit| on full rows is measured beyond it.
class ModelLogitsGolden : public testing::KernelPathTest {};

TEST_P(ModelLogitsGolden, SmolLM2) {
  // Measured: max 1.116 (position 13), mean of position maxima 0.313, KL mean 0.00404, max
  // 0.0130 over 31 rows; top-1 29/31 (2 waived); greedy identical for 10 steps (step 10:
  // llama.cpp margin 0.030).
  check_model("smollm2", testing::model_path(testing::kSmolLM2),
              {.max_abs = 1.15f,
               .mean_max = 0.34f,
               .kl_mean = 0.0045,
               .kl_max = 0.0145,
               .min_top1 = 28,
               .greedy_same = 10},
              table());
}
TEST_P(ModelLogitsGolden, Gemma3) {
  // Measured: max 1.379 (position 15), mean 0.41, KL mean 0.00603, max 0.0291 over 16 rows (every
  // second position: see the fixture README); top-1 30/32 (2 waived); greedy identical for 26
  // steps (step 26: llama.cpp margin 0.109). The max rose from 1.03 to 1.40 in 98ca54e only
  // because one of the two full rows checked then (position 16) moved: over all 32 rows it was
  // 1.38 before that commit and 1.40 after, while the KL mean fell from 0.0075 to 0.0061.
  check_model("gemma3-270m", testing::model_path(testing::kGemma3),
              {.max_abs = 1.45f,
               .mean_max = 0.45f,
               .kl_mean = 0.0068,
               .kl_max = 0.033,
               .min_top1 = 29,
               .greedy_same = 26},
              table());
}
TEST_P(ModelLogitsGolden, Qwen25) {
  // Measured: max 0.448 (position 2), mean 0.166, KL mean 0.0017, max 0.0041 over 32 rows; top-1
  // 31/32 (1 waived); greedy identical for all 64 steps. (Only 16 steps were run before: with
  // the polynomial exp of acd9c8a, since replaced by a correctly rounded one in 41c690e, the
  // paths parted at step 31, llama.cpp margin 0.054, unnoticed.)
  check_model("qwen2.5-coder-0.5b", testing::model_path(testing::kQwen2),
              {.max_abs = 0.5f,
               .mean_max = 0.18f,
               .kl_mean = 0.0019,
               .kl_max = 0.0046,
               .min_top1 = 30,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyLlamaRopeFreqs) {
  // Measured 9.5e-7, mean 6.4e-7: the same arithmetic as llama.cpp up to f32 summation order.
  // KL mean 9.0e-7, max 3.1e-6: the f16 storage floor.
  check_model("tiny-llama", tiny("llama"),
              {.max_abs = 1e-5f,
               .mean_max = 1e-5f,
               .kl_mean = 1.5e-6,
               .kl_max = 5e-6,
               .min_top1 = 38,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyQwen2) {
  // Measured 0.0273, mean 0.00065 (one Q8 rounding flip at position 24; 1e-6 elsewhere); KL mean
  // 2.2e-6, max 4.9e-5.
  check_model("tiny-qwen2", tiny("qwen2"),
              {.max_abs = 0.03f,
               .mean_max = 0.001f,
               .kl_mean = 3e-6,
               .kl_max = 6e-5,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyQwen3) {
  // Measured 0.206, mean 0.076 (exact to 1e-6 at positions 0-2; a flip at 3 reaches every later
  // position); KL mean 5.4e-4, max 1.6e-3; top-1 36/37 (position 12, margin 0.0098, waived).
  check_model("tiny-qwen3", tiny("qwen3"),
              {.max_abs = 0.22f,
               .mean_max = 0.085f,
               .kl_mean = 6e-4,
               .kl_max = 1.8e-3,
               .min_top1 = 36,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyQwen3F16) {
  // Measured 0.0063, mean 0.0029 (llama.cpp's own prompt-vs-one-token difference here: 0.007);
  // KL mean 1.7e-6, max 8.2e-6.
  check_model("tiny-qwen3-f16", tiny("qwen3-f16"),
              {.max_abs = 0.007f,
               .mean_max = 0.0035f,
               .kl_mean = 2e-6,
               .kl_max = 1e-5,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyGemma3) {
  // Measured 0.175, mean 0.081; KL mean 5.4e-4, max 1.8e-3.
  check_model("tiny-gemma3", tiny("gemma3"),
              {.max_abs = 0.19f,
               .mean_max = 0.09f,
               .kl_mean = 6e-4,
               .kl_max = 2.1e-3,
               .min_top1 = 38,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyGemma3F16) {
  // Measured 0.0098, mean 0.0046 (the fp16 GELU table turns f32 order noise into 1e-4-level
  // steps; llama.cpp's own prompt-vs-one-token difference here: 0.008); KL mean 2.5e-6, max
  // 1.2e-5.
  check_model("tiny-gemma3-f16", tiny("gemma3-f16"),
              {.max_abs = 0.012f,
               .mean_max = 0.0055f,
               .kl_mean = 3e-6,
               .kl_max = 1.4e-5,
               .min_top1 = 38,
               .greedy_same = 64},
              table());
}

TEST_P(ModelLogitsGolden, TinyQwen3Moe) {
  // Measured 0.046 (position 17), mean 0.0056; KL mean 1.0e-5, max 9.9e-5; every token routed
  // to the same experts as llama.cpp (a different choice would move logits by O(1)).
  check_model("tiny-qwen3moe", tiny("qwen3moe"),
              {.max_abs = 0.06f,
               .mean_max = 0.008f,
               .kl_mean = 1.5e-5,
               .kl_max = 1.5e-4,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyQwen3MoeF16) {
  // Measured 0.0061, mean 0.0020 (the tiny-qwen3-f16 level: attention arithmetic, not routing);
  // KL mean 1.3e-6, max 5.0e-6.
  check_model("tiny-qwen3moe-f16", tiny("qwen3moe-f16"),
              {.max_abs = 0.008f,
               .mean_max = 0.003f,
               .kl_mean = 2e-6,
               .kl_max = 7e-6,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}

TEST_P(ModelLogitsGolden, TinyDeepSeek2Lite) {
  // Measured 0.187 (position 27), mean 0.042; KL mean 1.8e-4, max 1.4e-3 (llama.cpp's own f32-KV
  // run on this 8-bit-activation file: 1.0, KL mean 4.0e-3). The -f16 file checks the math
  // tightly.
  check_model("tiny-deepseek2-lite", tiny("deepseek2-lite"),
              {.max_abs = 0.25f,
               .mean_max = 0.06f,
               .kl_mean = 3e-4,
               .kl_max = 2.5e-3,
               .min_top1 = 38,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyDeepSeek2LiteF16) {
  // Measured 0.013, mean 0.0057; KL mean 3.2e-6, max 8.6e-6: absorbed MLA (split attn_k_b /
  // attn_v_b, no q_lora), YaRN with mscale_all_dim 0.707, softmax routing, as llama.cpp.
  check_model("tiny-deepseek2-lite-f16", tiny("deepseek2-lite-f16"),
              {.max_abs = 0.02f,
               .mean_max = 0.007f,
               .kl_mean = 5e-6,
               .kl_max = 1.2e-5,
               .min_top1 = 38,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyDeepSeek2V3) {
  // Measured 0.284, mean 0.115; KL mean 9.8e-4, max 4.4e-3; top-1 37/38 (position 9, margin
  // 0.059, waived), greedy parts at step 8 on a near-tie: llama.cpp's own f32-KV run moves as
  // much (0.288, KL mean 9.7e-4) on this 8-bit-activation file.
  check_model("tiny-deepseek2-v3", tiny("deepseek2-v3"),
              {.max_abs = 0.35f,
               .mean_max = 0.14f,
               .kl_mean = 1.5e-3,
               .kl_max = 9e-3,
               .min_top1 = 37,
               .greedy_same = 8},
              table());
}
TEST_P(ModelLogitsGolden, TinyDeepSeek2V3F16) {
  // Measured 0.034, mean 0.011; KL mean 1.0e-5, max 8.8e-5 (llama.cpp's own f32-KV run: 0.034):
  // q_lora, the fused attn_kv_b rearranged at load (llama.cpp decompresses it: MHA form),
  // sigmoid routing with selection bias, 4 groups of which 2 compete, YaRN factor 8.
  check_model("tiny-deepseek2-v3-f16", tiny("deepseek2-v3-f16"),
              {.max_abs = 0.045f,
               .mean_max = 0.015f,
               .kl_mean = 1.5e-5,
               .kl_max = 1.2e-4,
               .min_top1 = 38,
               .greedy_same = 64},
              table());
}

TEST_P(ModelLogitsGolden, TinyGlm4Moe) {
  // Measured 6.4e-4, mean 2.1e-5; KL mean 7.2e-7, max 2.6e-6; top-1 37/37, greedy identical for
  // 64 steps: q/k/v biases, NeoX RoPE over 16 of 32 dimensions, sigmoid routing with selection
  // bias and a shared expert, a dense first layer, and the MTP block left out (run as a layer,
  // it would move every logit).
  check_model("tiny-glm4moe", tiny("glm4moe"),
              {.max_abs = 1e-3f,
               .mean_max = 5e-5f,
               .kl_mean = 1.5e-6,
               .kl_max = 6e-6,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyGlm4MoeF16) {
  // Measured 0.0074, mean 0.0036; KL mean 1.4e-6, max 3.3e-6 (llama.cpp's own one-token-per-call
  // run moves 0.0057, its f32-KV run 0.011).
  check_model("tiny-glm4moe-f16", tiny("glm4moe-f16"),
              {.max_abs = 0.01f,
               .mean_max = 0.005f,
               .kl_mean = 3e-6,
               .kl_max = 8e-6,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}

TEST_P(ModelLogitsGolden, TinyGptOss) {
  // No YaRN in this file: gpt-oss's is untruncated where ggml's is not (checked against
  // transformers in convert_test.cpp). Measured 0.186 (position 27), mean 0.038; KL mean
  // 1.8e-4, max 1.6e-3; top-1 37/37. llama.cpp's own spread on this file: one token per call
  // 0.17, f32 KV 1.5 (the clamped experts amplify rounding; with the clamp off Minke is 13.4
  // away).
  check_model("tiny-gpt-oss", tiny("gpt-oss"),
              {.max_abs = 0.25f,
               .mean_max = 0.05f,
               .kl_mean = 3e-4,
               .kl_max = 2.5e-3,
               .min_top1 = 35,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyGptOssF16) {
  // Measured 0.045 (position 8), mean 0.0061; KL mean 6.1e-6, max 1.2e-4 (llama.cpp's own
  // one-token-per-call run moves 0.019, also most at position 8; its f32-KV run 0.27). Without
  // the clamp: 13.7.
  check_model("tiny-gpt-oss-f16", tiny("gpt-oss-f16"),
              {.max_abs = 0.06f,
               .mean_max = 0.008f,
               .kl_mean = 9e-6,
               .kl_max = 1.6e-4,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}

TEST_P(ModelLogitsGolden, TinyQwen35) {
  // Three Gated DeltaNet layers and one gated attention layer. Measured 0.0023 (position 6),
  // mean 0.00014; KL mean 9.4e-7, max 2.3e-6; greedy 64/64. llama.cpp's own spread on this file:
  // one token per call 0.005, f32 KV 0.004. The qwen3next head mapping instead of qwen35's
  // fails it (argmax differs at 5 positions).
  check_model("tiny-qwen35", tiny("qwen35"),
              {.max_abs = 0.01f,
               .mean_max = 0.001f,
               .kl_mean = 4e-6,
               .kl_max = 1e-5,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyQwen35F16) {
  // Measured 0.0081 (position 21), mean 0.0025; KL mean 1.5e-6, max 6.2e-6; greedy 64/64.
  check_model("tiny-qwen35-f16", tiny("qwen35-f16"),
              {.max_abs = 0.02f,
               .mean_max = 0.005f,
               .kl_mean = 4e-6,
               .kl_max = 1.5e-5,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}

TEST_P(ModelLogitsGolden, TinyQwen35Moe) {
  // Measured 0.073 (position 17), mean 0.012; KL mean 3.0e-5, max 3.7e-4; greedy 64/64.
  // llama.cpp's own spread on this file: one token per call 0.0022, f32 KV 0.035.
  check_model("tiny-qwen35moe", tiny("qwen35moe"),
              {.max_abs = 0.12f,
               .mean_max = 0.02f,
               .kl_mean = 6e-5,
               .kl_max = 7e-4,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyQwen35MoeF16) {
  // Measured 0.012 (position 35), mean 0.0032; KL mean 1.6e-6, max 6.1e-6; greedy 64/64.
  check_model("tiny-qwen35moe-f16", tiny("qwen35moe-f16"),
              {.max_abs = 0.02f,
               .mean_max = 0.006f,
               .kl_mean = 3e-6,
               .kl_max = 1.2e-5,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}

TEST_P(ModelLogitsGolden, TinyGemma4) {
  // Every Gemma 4 feature in one file (see make_tiny_models.py). Measured 0.535 (position 26),
  // mean 0.106; KL mean 1.2e-3, max 7.9e-3; top-1 36/38 (2 waived: llama.cpp's own margin is
  // smaller than its spread), greedy 64/64. The file amplifies 8-bit activation rounding as Gemma
  // 3's does: llama.cpp's own spread here is 0.15 (one token per call) and 0.49 (f32 KV), so the
  // F16 file below is the tight check.
  check_model("tiny-gemma4", tiny("gemma4"),
              {.max_abs = 0.65f,
               .mean_max = 0.13f,
               .kl_mean = 1.5e-3,
               .kl_max = 1e-2,
               .min_top1 = 36,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyGemma4F16) {
  // Measured 0.0179 (position 19), mean 0.0072; KL mean 4.9e-6, max 2.3e-5; greedy 50 steps
  // identical, then 13/13 teacher-forced (llama.cpp's own spread: one token per call 0.019, f32
  // KV 0.029).
  check_model("tiny-gemma4-f16", tiny("gemma4-f16"),
              {.max_abs = 0.03f,
               .mean_max = 0.01f,
               .kl_mean = 8e-6,
               .kl_max = 4e-5,
               .min_top1 = 38,
               .greedy_same = 50},
              table());
}

TEST_P(ModelLogitsGolden, TinyQwen3Next) {
  // qwen3next's files: value head h reads key head h / 2, beta and alpha fused per key head.
  // Measured 0.037 (position 9), mean 0.0038; KL mean 1.0e-5, max 1.8e-4; greedy 64/64
  // (llama.cpp's own spread: one token per call 0.037, f32 KV 0.067).
  check_model("tiny-qwen3next", tiny("qwen3next"),
              {.max_abs = 0.06f,
               .mean_max = 0.008f,
               .kl_mean = 2e-5,
               .kl_max = 3e-4,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}
TEST_P(ModelLogitsGolden, TinyQwen3NextF16) {
  // Measured 0.011 (position 31), mean 0.0034; KL mean 2.2e-6, max 1.5e-5; greedy 64/64.
  check_model("tiny-qwen3next-f16", tiny("qwen3next-f16"),
              {.max_abs = 0.02f,
               .mean_max = 0.006f,
               .kl_mean = 4e-6,
               .kl_max = 2.5e-5,
               .min_top1 = 37,
               .greedy_same = 64},
              table());
}

INSTANTIATE_TEST_SUITE_P(Paths, ModelLogitsGolden,
                         ::testing::ValuesIn(testing::kernel_path_names()),
                         testing::kernel_path_test_name);

}  // namespace
}  // namespace minke
