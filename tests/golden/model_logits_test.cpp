// Model forward passes against llama.cpp (llama-cpp-python, CPU, f16 KV cache): for each
// fixture in tests/golden/data/models/logits/ (scripts/make_golden_logits.py), the prompt run as
// one batch must give llama.cpp's argmax at every position and logits within a tolerance, and
// the greedy continuation (one token per forward()) must give the same tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
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
  float max_abs;     // max |our logit - llama.cpp's| over each position's top-32 and full rows
  int greedy_same;   // free-running greedy steps that must equal llama.cpp's (measured)
  int max_greedy = 64;  // greedy steps to run
};

// The greedy continuation, free-running: our tokens must equal llama.cpp's for at least
// tol.greedy_same steps, and a divergence may only happen where llama.cpp's own top1 - top2
// margin is below flip_margin (a near-tie our rounding may legitimately flip). Past it, teacher
// forcing: llama.cpp's tokens are fed and our argmax must be its token at every step whose
// margin is at least flip_margin. Returns {free-running steps identical, steps compared}.
std::pair<int, int> check_greedy(const std::string& name, Model& m, KvCache& kv,
                                 const json& fx, const Tolerance& tol, float flip_margin) {
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
  const auto first_diff =
      static_cast<int>(std::mismatch(got.begin(), got.end(), want.begin()).first - got.begin());
  EXPECT_GE(first_diff, std::min(tol.greedy_same, n_greedy))
      << name << ": free-running greedy token " << first_diff << " is " << got[first_diff]
      << ", llama.cpp " << want[first_diff];
  int compared = first_diff;
  if (first_diff < n_greedy) {
    EXPECT_LT(margins[first_diff], flip_margin)
        << name << ": greedy step " << first_diff << " diverges where llama.cpp's margin is "
        << margins[first_diff];
    // Teacher forcing from the divergence: the cache keeps the common prefix.
    kv.truncate(0, n + first_diff);
    const std::span<const int32_t> fed(want.data() + first_diff, n_greedy - 1 - first_diff);
    const std::vector<float> rows =
        fed.empty() ? std::vector<float>{} : testing::run_tokens(m, kv, fed, 0, n + first_diff, true);
    for (int k = first_diff + 1; k < n_greedy; ++k) {
      const std::span<const float> r = std::span<const float>(rows).subspan(
          static_cast<size_t>(k - first_diff - 1) * n_vocab, static_cast<size_t>(n_vocab));
      if (margins[k] < flip_margin) continue;
      ++compared;
      EXPECT_EQ(testing::argmax(r), want[k])
          << name << ": teacher-forced greedy step " << k << ", llama.cpp margin " << margins[k];
    }
  }
  return {first_diff, compared};
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
  // is below 2 * tol.max_abs may legitimately flip; every other position must have llama.cpp's
  // argmax.
  const float flip_margin = 2 * tol.max_abs;
  float max_diff = 0;
  int top1_same = 0, worst = -1;
  for (int32_t i = 0; i < n; ++i) {
    const json& p = fx["positions"][static_cast<size_t>(i)];
    const std::span<const float> r = row(i);
    const bool same = testing::argmax(r) == p["argmax"].get<int32_t>();
    top1_same += same;
    const float margin = p["top"][0][1].get<float>() - p["top"][1][1].get<float>();
    EXPECT_TRUE(same || margin < flip_margin)
        << name << " position " << i << ": argmax " << testing::argmax(r) << ", llama.cpp "
        << p["argmax"] << " with margin " << margin;
    for (const json& e : p["top"]) {
      const float d = std::fabs(r[e[0].get<size_t>()] - e[1].get<float>());
      if (d > max_diff) max_diff = d, worst = i;
    }
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

  const auto [same, compared] = check_greedy(name, *m, *kv, fx, tol, flip_margin);
  std::printf("[ golden ] %s: top-1 %d/%d, max |dlogit| %.4g (position %d), greedy identical for "
              "%d steps, %d steps checked\n",
              name.c_str(), top1_same, n, max_diff, worst, same, compared);
}

fs::path tiny(const char* arch) {
  return testing::golden_dir() / "models" / "tiny" / (std::string(arch) + ".gguf");
}

TEST(ModelLogitsGolden, SmolLM2) {
  check_model("smollm2", testing::model_path(testing::kSmolLM2), {.max_abs = 1.5f, .greedy_same = 0});
}
TEST(ModelLogitsGolden, Gemma3) {
  check_model("gemma3-270m", testing::model_path(testing::kGemma3), {.max_abs = 1.5f, .greedy_same = 0});
}
TEST(ModelLogitsGolden, Qwen25) {
  check_model("qwen2.5-coder-0.5b", testing::model_path(testing::kQwen2), {.max_abs = 1.5f, .greedy_same = 0});
}
TEST(ModelLogitsGolden, TinyLlamaRopeFreqs) {
  check_model("tiny-llama", tiny("llama"), {.max_abs = 0.5f, .greedy_same = 0});
}
TEST(ModelLogitsGolden, TinyQwen2) { check_model("tiny-qwen2", tiny("qwen2"), {.max_abs = 0.5f, .greedy_same = 0}); }
TEST(ModelLogitsGolden, TinyQwen3) { check_model("tiny-qwen3", tiny("qwen3"), {.max_abs = 0.5f, .greedy_same = 0}); }
TEST(ModelLogitsGolden, TinyQwen3F16) { check_model("tiny-qwen3-f16", tiny("qwen3-f16"), {.max_abs = 0.5f, .greedy_same = 0}); }
TEST(ModelLogitsGolden, TinyGemma3) {
  check_model("tiny-gemma3", tiny("gemma3"), {.max_abs = 0.5f, .greedy_same = 0});
}
TEST(ModelLogitsGolden, TinyGemma3F16) {
  check_model("tiny-gemma3-f16", tiny("gemma3-f16"), {.max_abs = 0.5f, .greedy_same = 0});
}

}  // namespace
}  // namespace minke
