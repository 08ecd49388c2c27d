// The CPU backend on real quantized weights: every 2-D tensor type in the three test models
// is supported, and a matmul with the first tensor of each type matches an f64 dot with the
// dequantized rows to well within what Q8 activation rounding allows.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "gguf/gguf_file.h"
#include "quant/quant_traits.h"
#include "support/test_paths.h"

namespace minke {
namespace {

void check_model(const char* file) {
  const std::filesystem::path path = testing::model_path(file);
  ASSERT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
  const auto gguf = GgufFile::open(path.string());
  auto be = make_cpu_backend({.n_threads = 2});
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::set<GgmlType> seen;
  for (const GgufTensor& t : gguf->tensors()) {
    if (t.dims.size() != 2) continue;
    ASSERT_TRUE(be->supports(t.type)) << t.name << " " << ggml_type_name(t.type);
    if (!seen.insert(t.type).second) continue;
    // The first 48 rows of the tensor against 2 random activation rows.
    const int64_t k = t.dims[0], n = std::min<int64_t>(48, t.dims[1]);
    const WeightView w = be->prepare_weight({t.type, t.data, n, k}, {});
    std::vector<float> x(static_cast<size_t>(2 * k));
    for (float& v : x) v = dist(rng);
    be->begin_step();
    const Tensor xt = be->alloc(2, k);
    be->upload(x, xt);
    std::vector<float> y(static_cast<size_t>(2 * n));
    be->download(be->matmul(xt, w), y);

    const QuantTraits& qt = quant_traits(t.type);
    const size_t row_bytes = static_cast<size_t>(k / qt.block_size) * qt.type_size;
    std::vector<float> wrow(static_cast<size_t>(k));
    double err2 = 0, ref2 = 0;
    for (int64_t r = 0; r < n; ++r) {
      qt.dequantize_row(t.data + r * row_bytes, wrow.data(), k);
      for (int64_t m = 0; m < 2; ++m) {
        double ref = 0;
        for (int64_t i = 0; i < k; ++i) ref += double{wrow[i]} * x[m * k + i];
        const double e = y[m * n + r] - ref;
        err2 += e * e;
        ref2 += ref * ref;
      }
    }
    EXPECT_LT(std::sqrt(err2 / ref2), 0.01) << file << " " << t.name;
  }
  EXPECT_FALSE(seen.empty());
}

TEST(CpuBackendModelWeights, SmolLM2) { check_model(testing::kSmolLM2); }
TEST(CpuBackendModelWeights, Gemma3) { check_model(testing::kGemma3); }
TEST(CpuBackendModelWeights, Qwen25) { check_model(testing::kQwen2); }

}  // namespace
}  // namespace minke
