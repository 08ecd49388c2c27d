// `minke quantize` against llama.cpp's quantizer (fixture: scripts/make_golden_quantize.py):
// every mix gives every tensor the type llama.cpp gives it, and the legacy mixes write the same
// bytes, tensor for tensor.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "convert/quantize_model.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "support/test_paths.h"

namespace minke {
namespace {

using nlohmann::json;

const json& fixture() {
  static const json j = [] {
    std::ifstream in(testing::golden_dir() / "quantize" / "plans.json");
    return json::parse(in);
  }();
  return j;
}

std::string fnv1a64(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

GgmlType type_named(const std::string& name) {
  for (uint32_t id = 0; id < 64; ++id) {
    const auto info = ggml_type_info(id);
    if (info && info->name == name) return info->type;
  }
  ADD_FAILURE() << "unknown type " << name;
  return GgmlType::F32;
}

// The model as the plan sees it: its metadata keys and tensor list, zero-filled.
std::vector<uint8_t> rebuilt(const json& model) {
  GgufWriter w;
  for (const auto& [key, value] : model["metadata"].items()) {
    if (value.is_string()) {
      w.add_string(key, value.get<std::string>());
    } else {
      w.add_u32(key, value.get<uint32_t>());
    }
  }
  for (const json& t : model["tensors"]) {
    const GgmlType type = type_named(t[2]);
    const GgmlTypeInfo& info = ggml_type_info(type);
    uint64_t n = 1;
    std::vector<int64_t> dims;
    for (const json& d : t[1]) {
      dims.push_back(d.get<int64_t>());
      n *= d.get<uint64_t>();
    }
    w.add_tensor(t[0].get<std::string>(), type, dims,
                 std::vector<uint8_t>(n / info.block_size * info.type_size));
  }
  return w.to_bytes();
}

QuantizeOptions options_for(const std::string& mix) {
  QuantizeOptions o;
  o.mix = find_quant_mix(mix).value();
  o.threads = 2;
  return o;
}

TEST(QuantizePlanGolden, EveryMixTypesEveryTensorAsLlamaCpp) {
  for (const json& model : fixture()["models"]) {
    const std::vector<uint8_t> bytes = rebuilt(model);
    const auto f = GgufFile::parse(bytes, model["name"].get<std::string>() + ".gguf");
    for (const auto& [mix, types] : model["mixes"].items()) {
      SCOPED_TRACE(model["name"].get<std::string>() + " " + mix);
      const std::vector<TensorQuantPlan> plan = plan_quantization(*f, options_for(mix));
      ASSERT_EQ(plan.size(), types.size());
      for (const TensorQuantPlan& p : plan) {
        EXPECT_EQ(ggml_type_name(p.to), types.at(p.name).get<std::string>()) << p.name;
      }
    }
  }
}

TEST(QuantizePlanGolden, LegacyMixesWriteLlamaCppBytes) {
  const auto out = std::filesystem::temp_directory_path() / "minke_quantize_golden.gguf";
  int checked = 0;
  for (const json& model : fixture()["models"]) {
    if (model["hashes"].empty()) continue;  // the generated wide models are not committed
    const std::string name = model["name"];
    const auto in =
        GgufFile::open((testing::golden_dir() / "models" / "tiny" / (name + ".gguf")).string());
    for (const auto& [mix, hashes] : model["hashes"].items()) {
      SCOPED_TRACE(name + " " + mix);
      quantize_model(*in, out.string(), options_for(mix));
      const auto q = GgufFile::open(out.string());
      for (const GgufTensor& t : q->tensors()) {
        // K types (output.weight of a Q4_0 mix, say) are Minke's own fits: types only.
        if (t.type == GgmlType::Q4_K || t.type == GgmlType::Q5_K || t.type == GgmlType::Q6_K) {
          continue;
        }
        EXPECT_EQ(fnv1a64(t.data, t.n_bytes), hashes.at(t.name).get<std::string>()) << t.name;
        ++checked;
      }
    }
  }
  std::filesystem::remove(out);
  EXPECT_GT(checked, 500);
}

}  // namespace
}  // namespace minke
