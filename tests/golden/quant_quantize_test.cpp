// Golden test of the reference quantizers: byte-exact with gguf-py for F16, BF16, the legacy
// types and MXFP4, byte-exact with llama.cpp's quantize_row_q8_K_ref for Q8_K, and for
// Q4_K/Q5_K/Q6_K (our own scale search) an error no worse than llama.cpp's on the same input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "golden/quant_fixture.h"
#include "quant/quant_traits.h"

namespace minke {
namespace {

using testing::quant_fixture_dir;

struct Quantized {
  std::vector<float> input;
  std::vector<uint8_t> expected;  // the oracle's bytes
  std::vector<uint8_t> ours;
  const QuantTraits* traits;
};

Quantized quantize_fixture(const std::string& name, const std::string& suffix) {
  const nlohmann::json entry = testing::quant_manifest()["quantize"][name];
  Quantized q;
  q.traits = &quant_traits(*testing::type_from_name(name));
  q.input =
      testing::read_floats(quant_fixture_dir() / "quantize" / entry["input"].get<std::string>());
  q.expected = testing::read_bytes(quant_fixture_dir() / "quantize" / (name + suffix));
  const auto n = static_cast<int64_t>(q.input.size());
  q.ours.resize(static_cast<size_t>(n / q.traits->block_size * q.traits->type_size));
  quantize_row_fn(q.traits->type)(q.input.data(), q.ours.data(), n);
  return q;
}

size_t count_equal_bytes(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  size_t same = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) same += a[i] == b[i];
  return same;
}

TEST(QuantGoldenQuantize, ByteExactWithGgufPy) {
  for (const char* name : {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "MXFP4"}) {
    SCOPED_TRACE(name);
    const Quantized q = quantize_fixture(name, ".gguf_py.bin");
    ASSERT_EQ(q.ours.size(), q.expected.size());
    for (size_t i = 0, reported = 0; i < q.ours.size(); ++i) {
      if (q.ours[i] != q.expected[i] && reported++ < 5) {
        ADD_FAILURE() << "byte " << i << " (block " << i / q.traits->type_size << "): got "
                      << int{q.ours[i]} << " expected " << int{q.expected[i]};
      }
    }
    EXPECT_EQ(count_equal_bytes(q.ours, q.expected), q.ours.size());
  }
}

TEST(QuantGoldenQuantize, Q8KByteExactWithLlamaCpp) {
  const Quantized q = quantize_fixture("Q8_K", ".llama_cpp.bin");
  ASSERT_EQ(q.ours.size(), q.expected.size());
  EXPECT_EQ(count_equal_bytes(q.ours, q.expected), q.ours.size());
}

double sum_sq_error(const std::vector<float>& x, const std::vector<float>& y, size_t begin,
                    size_t end) {
  double s = 0;
  for (size_t i = begin; i < end; ++i) s += (double{x[i]} - y[i]) * (double{x[i]} - y[i]);
  return s;
}

// Our K-quant search is not ggml's, so bytes may differ; the dequantized error must not be
// worse than llama.cpp's: in total by at most 3%, and per 256-element block by at most 25%
// (plus a tiny absolute slack for blocks llama.cpp reproduces exactly).
TEST(QuantGoldenQuantize, KQuantsErrorNoWorseThanLlamaCpp) {
  for (const char* name : {"Q4_K", "Q5_K", "Q6_K"}) {
    SCOPED_TRACE(name);
    const Quantized q = quantize_fixture(name, ".llama_cpp.bin");
    ASSERT_EQ(q.ours.size(), q.expected.size());
    const auto n = static_cast<int64_t>(q.input.size());
    std::vector<float> ours(q.input.size()), ref(q.input.size());
    q.traits->dequantize_row(q.ours.data(), ours.data(), n);
    q.traits->dequantize_row(q.expected.data(), ref.data(), n);
    double ours_total = 0, ref_total = 0, signal = 0;
    for (size_t b = 0; b < q.input.size() / 256; ++b) {
      const double e_ours = sum_sq_error(q.input, ours, 256 * b, 256 * b + 256);
      const double e_ref = sum_sq_error(q.input, ref, 256 * b, 256 * b + 256);
      for (size_t i = 256 * b; i < 256 * b + 256; ++i) signal += double{q.input[i]} * q.input[i];
      EXPECT_LE(e_ours, 1.25 * e_ref + 1e-12 * signal + 1e-30) << "block " << b;
      ours_total += e_ours;
      ref_total += e_ref;
    }
    EXPECT_LE(ours_total, 1.03 * ref_total);
    std::printf(
        "[ info ] %s: %zu/%zu bytes equal to llama.cpp; rel. RMSE ours %.6f llama.cpp %.6f\n", name,
        count_equal_bytes(q.ours, q.expected), q.ours.size(), std::sqrt(ours_total / signal),
        std::sqrt(ref_total / signal));
  }
}

}  // namespace
}  // namespace minke
