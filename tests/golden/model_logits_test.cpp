// Model forward passes against llama.cpp (llama-cpp-python, CPU, f16 KV cache): for each
// fixture in tests/golden/data/models/logits/ (scripts/make_golden_logits.py), the prompt run as
// one batch must give llama.cpp's argmax at every position and logits within a tolerance, and
// the greedy continuation (one token per forward()) must give the same tokens up to a measured
// near-tie, then, teacher-forced with llama.cpp's tokens, the same argmax wherever its margin
// exceeds the tolerance.
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
#include "gguf/gguf_file.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "support/test_paths.h"

namespace minke {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path logits_dir() { return testing::golden_dir() / "models" / "logits"; }

std::vector<float> read_f32(const fs::path& p, size_t n) {
  std::vector<float> v(n);
  std::ifstream in(p, std::ios::binary);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(float)));
  EXPECT_TRUE(in.good()) << p;
  return v;
}

struct Tolerance {
  float max_abs;        // max |our logit - llama.cpp's| over each position's top-32 and full rows
  float mean_max;       // mean over prompt positions of the position's max |diff| (top-32)
  int greedy_same;      // free-running greedy steps that must equal llama.cpp's (measured)
  int max_greedy = 64;  // greedy steps to run (the 151k-vocab Qwen is slow on ref kernels)
};

struct GreedyResult {
  int same = 0;      // leading free-running steps equal to llama.cpp's tokens
  int checked = 0;   // steps whose argmax was required to be llama.cpp's token
  int tf_agree = 0;  // teacher-forced steps (after the divergence) whose argmax agrees anyway
  int tf_steps = 0;  // teacher-forced steps
};

// Greedy continuation, one token per forward(), against llama.cpp's 64 tokens. Free-running:
// ours must equal llama.cpp's for at least tol.greedy_same steps, and may diverge only at a
// step whose llama.cpp top1 - top2 margin is below flip_margin (a near-tie that a rounding
// difference may flip; after it the texts legitimately part ways). Past the divergence, teacher
// forcing keeps the check going: llama.cpp's tokens are fed (the cache keeps the common prefix)
// and our argmax must be its token at every step whose margin is at least flip_margin.
GreedyResult check_greedy(const std::string& name, Model& m, KvCache& kv, const json& fx,
                          const Tolerance& tol, float flip_margin) {
  const std::vector<int32_t> prompt = fx["prompt_ids"].get<std::vector<int32_t>>();
  const std::vector<int32_t> want = fx["greedy"]["tokens"].get<std::vector<int32_t>>();
  const std::vector<float> margins = fx["greedy"]["margins"].get<std::vector<float>>();
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
  EXPECT_LT(margins[res.same], flip_margin)
      << name << ": greedy step " << res.same << " diverges where llama.cpp's margin is "
      << margins[res.same];
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
    if (margins[k] < flip_margin) continue;
    ++res.checked;
    EXPECT_TRUE(agree) << name << ": teacher-forced greedy step " << k << " gives "
                       << testing::argmax(r) << ", llama.cpp " << want[k] << " (margin "
                       << margins[k] << ")";
  }
  return res;
}

// `model` is the GGUF path; `name` the fixture's base name.
void check_model(const std::string& name, const fs::path& model, Tolerance tol) {
  ASSERT_TRUE(fs::exists(model)) << testing::model_missing_message(model);
  std::ifstream in(logits_dir() / (name + ".json"));
  ASSERT_TRUE(in.good()) << name << ".json missing: run scripts/make_golden_logits.py";
  const json fx = json::parse(in);
  const auto gguf = GgufFile::open(model.string());
  auto be = make_cpu_backend({.n_threads = 2});
  auto m = load_model(*gguf, *be);
  const int32_t n_vocab = m->config().n_vocab;
  ASSERT_EQ(n_vocab, fx["model"]["n_vocab"].get<int32_t>());

  const std::vector<int32_t> prompt = fx["prompt_ids"].get<std::vector<int32_t>>();
  const auto n = static_cast<int32_t>(prompt.size());
  auto kv = testing::make_kv_cache(*be, *m, n + fx["greedy"]["n"].get<int32_t>());
  const std::vector<float> logits = testing::run_tokens(*m, *kv, prompt, 0, 0, true);
  const auto row = [&](int32_t i) {
    return std::span<const float>(logits).subspan(static_cast<size_t>(i) * n_vocab,
                                                  static_cast<size_t>(n_vocab));
  };

  // Our logits differ from llama.cpp's by up to tol.max_abs, so a position whose top-2 margin
  // is below tol.max_abs may legitimately flip (strictly, a flip needs a margin below
  // 2 * tol.max_abs, but the top two rarely move in opposite directions by the maximum); every
  // other position must have llama.cpp's argmax.
  const float flip_margin = tol.max_abs;
  float max_diff = 0;
  int top1_same = 0, worst = -1;
  float mean_pos_max = 0;  // mean over positions of the position's max |diff| (top-32)
  int exact_prefix = 0;    // leading positions that agree to f32 noise (<= 1e-4)
  for (int32_t i = 0; i < n; ++i) {
    const json& p = fx["positions"][static_cast<size_t>(i)];
    const std::span<const float> r = row(i);
    const bool same = testing::argmax(r) == p["argmax"].get<int32_t>();
    top1_same += same;
    const float margin = p["top"][0][1].get<float>() - p["top"][1][1].get<float>();
    EXPECT_TRUE(same || margin < flip_margin)
        << name << " position " << i << ": argmax " << testing::argmax(r) << ", llama.cpp "
        << p["argmax"] << " with margin " << margin;
    float pos_max = 0;
    for (const json& e : p["top"]) {
      pos_max = std::max(pos_max, std::fabs(r[e[0].get<size_t>()] - e[1].get<float>()));
    }
    if (pos_max > max_diff) max_diff = pos_max, worst = i;
    mean_pos_max += pos_max / static_cast<float>(n);
    if (pos_max <= 1e-4f && exact_prefix == i) ++exact_prefix;
  }
  for (const char* tag : {"mid", "last"}) {
    const json& fr = fx["full_rows"][tag];
    const std::vector<float> want =
        read_f32(logits_dir() / fr["file"].get<std::string>(), static_cast<size_t>(n_vocab));
    const std::span<const float> r = row(fr["position"].get<int32_t>());
    for (int32_t j = 0; j < n_vocab; ++j) {
      const float d = std::fabs(r[j] - want[j]);
      if (d > max_diff) max_diff = d, worst = fr["position"].get<int32_t>();
    }
  }
  EXPECT_LE(max_diff, tol.max_abs) << name;
  EXPECT_LE(mean_pos_max, tol.mean_max) << name;

  const GreedyResult g = check_greedy(name, *m, *kv, fx, tol, flip_margin);
  std::printf(
      "[ golden ] %s: top-1 %d/%d, max |dlogit| %.4g (position %d), mean of position "
      "maxima %.3g, first %d positions within 1e-4; greedy: identical for %d steps, "
      "then teacher-forced argmax agrees at %d/%d; %d steps checked\n",
      name.c_str(), top1_same, n, max_diff, worst, mean_pos_max, exact_prefix, g.same, g.tf_agree,
      g.tf_steps, g.checked);
}

fs::path tiny(const char* arch) {
  return testing::golden_dir() / "models" / "tiny" / (std::string(arch) + ".gguf");
}

// Tolerances are just above what was measured (Release and ASan builds compute the same bits:
// -ffp-contract=off, no -march). Before llama.cpp's f16 rounding of q and of the softmax
// probabilities and its Q8_0/Q8_1 activation rounding were mirrored, the measured values were
// SmolLM2 0.767 (mean of position maxima 0.357), Gemma 3 1.033 (0.443), Qwen2.5 0.376 (0.193),
// tiny llama 0.21 (0.093), qwen2 0.067 (0.043), qwen3 0.142 (0.091), gemma3 0.188 (0.122),
// qwen3-f16 0.0108 (0.0059), gemma3-f16 0.0151 (0.0071). What is left is chaos, not a systematic
// error: an f32 sum taken in a different order than llama.cpp's SIMD code (or than its own
// batched path: its prompt-vs-one-token self-variance is 0.5-1.1 on the real models) flips an
// int8 or f16 rounding now and then, and the flip propagates through the later layers and
// positions. The tiny llama, whose matmuls have no such near-tie, agrees to 1e-6.
TEST(ModelLogitsGolden, SmolLM2) {
  // Measured 0.555, mean 0.313; greedy identical for 10 steps (step 10: llama.cpp margin 0.030).
  check_model("smollm2", testing::model_path(testing::kSmolLM2),
              {.max_abs = 0.6f, .mean_max = 0.34f, .greedy_same = 10});
}
TEST(ModelLogitsGolden, Gemma3) {
  // Measured 1.398, mean 0.41 (before: 1.033, mean 0.443: the max is the least stable statistic
  // of a chaotic difference); greedy identical for 26 steps (step 26: llama.cpp margin 0.109).
  check_model("gemma3-270m", testing::model_path(testing::kGemma3),
              {.max_abs = 1.45f, .mean_max = 0.45f, .greedy_same = 26});
}
TEST(ModelLogitsGolden, Qwen25) {
  // Measured 0.318, mean 0.166; greedy identical for all 64 steps (16 run here: 151k-vocab steps
  // are slow).
  check_model("qwen2.5-coder-0.5b", testing::model_path(testing::kQwen2),
              {.max_abs = 0.35f, .mean_max = 0.18f, .greedy_same = 64, .max_greedy = 16});
}
TEST(ModelLogitsGolden, TinyLlamaRopeFreqs) {
  // Measured 9.5e-7, mean 6.4e-7: the same arithmetic as llama.cpp up to f32 summation order.
  check_model("tiny-llama", tiny("llama"),
              {.max_abs = 1e-5f, .mean_max = 1e-5f, .greedy_same = 64});
}
TEST(ModelLogitsGolden, TinyQwen2) {
  // Measured 0.0238, mean 0.00065 (one Q8 rounding flip at position 24; 1e-6 elsewhere).
  check_model("tiny-qwen2", tiny("qwen2"),
              {.max_abs = 0.03f, .mean_max = 0.001f, .greedy_same = 64});
}
TEST(ModelLogitsGolden, TinyQwen3) {
  // Measured 0.147, mean 0.076 (exact to 1e-6 at positions 0-2; a flip at 3 reaches every later
  // position).
  check_model("tiny-qwen3", tiny("qwen3"),
              {.max_abs = 0.16f, .mean_max = 0.085f, .greedy_same = 64});
}
TEST(ModelLogitsGolden, TinyQwen3F16) {
  // Measured 0.0058, mean 0.0029 (llama.cpp's own prompt-vs-one-token difference here: 0.007).
  check_model("tiny-qwen3-f16", tiny("qwen3-f16"),
              {.max_abs = 0.007f, .mean_max = 0.0035f, .greedy_same = 64});
}
TEST(ModelLogitsGolden, TinyGemma3) {
  // Measured 0.170, mean 0.081.
  check_model("tiny-gemma3", tiny("gemma3"),
              {.max_abs = 0.19f, .mean_max = 0.09f, .greedy_same = 64});
}
TEST(ModelLogitsGolden, TinyGemma3F16) {
  // Measured 0.0109, mean 0.0046 (the fp16 GELU table turns f32 order noise into 1e-4-level steps;
  // llama.cpp's own prompt-vs-one-token difference here: 0.008).
  check_model("tiny-gemma3-f16", tiny("gemma3-f16"),
              {.max_abs = 0.012f, .mean_max = 0.0055f, .greedy_same = 64});
}

}  // namespace
}  // namespace minke
