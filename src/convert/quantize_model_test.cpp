// quantize_model: mix names, the requantize guard, and tiny models quantized, loaded and run
// next to their F16 originals. The tensor types of each mix are checked against llama.cpp's own
// choices in tests/golden/quantize_plan_test.cpp.
#include "convert/quantize_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "support/test_paths.h"

namespace minke {
namespace {

std::string tiny(const std::string& name) {
  return (testing::golden_dir() / "models" / "tiny" / (name + ".gguf")).string();
}

QuantizeOptions mix_options(const char* mix) {
  QuantizeOptions o;
  o.mix = find_quant_mix(mix).value();
  o.threads = 2;
  return o;
}

std::vector<float> prompt_logits(const std::string& path) {
  const auto f = GgufFile::open(path);
  auto be = make_cpu_backend({});
  const auto m = load_model(*f, *be);
  auto kv = testing::make_kv_cache(*be, *m, 64);
  const std::vector<int32_t> prompt = {1, 17, 42, 99, 7, 3, 250, 12, 64, 5, 200, 31};
  return testing::run_tokens(*m, *kv, prompt, 0, 0, true);
}

TEST(QuantizeModel, NamesMixesAsLlamaCpp) {
  EXPECT_EQ(find_quant_mix("q4_k")->name, "Q4_K_M");
  EXPECT_EQ(find_quant_mix("Q4_K_M")->file_type, 15u);
  EXPECT_EQ(find_quant_mix("Q5_K")->name, "Q5_K_M");
  EXPECT_EQ(find_quant_mix("q8_0")->base, GgmlType::Q8_0);
  EXPECT_EQ(find_quant_mix("BF16")->file_type, 32u);
  EXPECT_FALSE(find_quant_mix("Q3_K_M").has_value());  // Minke has no Q3_K quantizer yet
  EXPECT_FALSE(find_quant_mix("Q4").has_value());
  EXPECT_NE(quant_mix_list().find("Q4_K_M"), std::string::npos);
}

TEST(QuantizeModel, RefusesToRequantizeUnlessAsked) {
  const auto f = GgufFile::open(tiny("qwen3"));  // Q8_0 and Q4_0 matrices
  try {
    plan_quantization(*f, mix_options("Q4_0"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-requantize"), std::string::npos) << e.what();
  }
  QuantizeOptions o = mix_options("Q4_0");
  o.allow_requantize = true;
  EXPECT_NO_THROW(plan_quantization(*f, o));
}

// Every mix of a float model loads and stays near the F16 logits. The bound is the mix's
// quantization noise on these random-weight models, not a statement about real models; the
// point is a file that is whole, typed as planned, and runs.
TEST(QuantizeModel, TinyModelsRunNearTheirF16Logits) {
  struct Case {
    const char* model;
    const char* mix;
    float max_rel;  // RMS of the logit change / RMS of the F16 logits
  };
  // Bounds: 1.5x what this tree measured (qwen3 Q8_0 0.029, Q5_0 0.118, Q4_K_M 0.113; qwen3moe
  // Q8_0 0.043, Q4_1 0.197; deepseek2-v3 Q8_0 0.069; deepseek2-lite Q5_K_M 0.322: its tiny
  // router flips experts on small changes). A garbled tensor gives 1 or more.
  const Case cases[] = {
      {"qwen3-f16", "F16", 0.0f},          {"qwen3-f16", "Q8_0", 0.045f},
      {"qwen3-f16", "Q5_0", 0.18f},        {"qwen3-f16", "Q4_K_M", 0.17f},
      {"qwen3moe-f16", "Q8_0", 0.065f},    {"qwen3moe-f16", "Q4_1", 0.3f},
      {"deepseek2-v3-f16", "Q8_0", 0.10f}, {"deepseek2-lite-f16", "Q5_K_M", 0.48f},
  };
  const auto out = std::filesystem::temp_directory_path() / "minke_quantize_test.gguf";
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.model) + " -> " + c.mix);
    const auto in = GgufFile::open(tiny(c.model));
    const QuantizeOptions o = mix_options(c.mix);
    const std::vector<TensorQuantPlan> plan = plan_quantization(*in, o);
    quantize_model(*in, out.string(), o);

    const auto q = GgufFile::open(out.string());
    EXPECT_EQ(q->get_u32("general.file_type", 99), o.mix.file_type);
    ASSERT_EQ(q->tensors().size(), plan.size());
    for (size_t i = 0; i < plan.size(); ++i) {
      EXPECT_EQ(q->tensors()[i].name, plan[i].name);
      EXPECT_EQ(q->tensors()[i].type, plan[i].to) << plan[i].name;
    }
    const std::vector<float> ref = prompt_logits(tiny(c.model));
    const std::vector<float> got = prompt_logits(out.string());
    ASSERT_EQ(ref.size(), got.size());
    double ref2 = 0, diff2 = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      ref2 += double{ref[i]} * ref[i];
      diff2 += (double{got[i]} - ref[i]) * (double{got[i]} - ref[i]);
    }
    const double rel = std::sqrt(diff2 / ref2);
    std::printf("%s -> %s: rms(dlogit) / rms(logit) %.4f\n", c.model, c.mix, rel);
    EXPECT_LE(rel, c.max_rel);
  }
  std::filesystem::remove(out);
}

}  // namespace
}  // namespace minke
