// load_model and forward() error paths: an unknown architecture, a missing or mis-shaped tensor,
// a token outside the vocabulary, a position the KV cache has not reserved; and the registry.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "minke/error.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "support/test_paths.h"

namespace minke {
namespace {

// The tiny llama GGUF rewritten with `arch` as general.architecture, minus tensor `drop`, and
// with tensor `swap` given its dims reversed (same bytes).
std::vector<uint8_t> edited_tiny_llama(const std::string& arch, const std::string& drop,
                                       const std::string& swap) {
  const auto src =
      GgufFile::open((testing::golden_dir() / "models" / "tiny" / "llama.gguf").string());
  GgufWriter w;
  for (const GgufValue& v : src->metadata()) {
    if (v.key() == "general.architecture") {
      w.add_string(v.key(), arch);
    } else if (v.key().rfind("llama.", 0) == 0) {
      w.add(arch + v.key().substr(5), GgufWriteValue::copy_of(v));
    } else {
      w.add(v.key(), GgufWriteValue::copy_of(v));
    }
  }
  for (const GgufTensor& t : src->tensors()) {
    if (t.name == drop) continue;
    std::vector<int64_t> dims = t.dims;
    if (t.name == swap) std::reverse(dims.begin(), dims.end());
    w.add_tensor(t.name, t.type, dims, {t.data, t.n_bytes});
  }
  return w.to_bytes();
}

// tiny/<model>.gguf with the metadata keys `set` replaced or added.
std::vector<uint8_t> edited_tiny(const std::string& model,
                                 const std::vector<std::pair<std::string, GgufWriteValue>>& set) {
  const auto src =
      GgufFile::open((testing::golden_dir() / "models" / "tiny" / (model + ".gguf")).string());
  GgufWriter w;
  for (const GgufValue& v : src->metadata()) {
    const bool replaced =
        std::any_of(set.begin(), set.end(), [&](const auto& kv) { return kv.first == v.key(); });
    if (!replaced) w.add(v.key(), GgufWriteValue::copy_of(v));
  }
  for (const auto& [key, value] : set) w.add(key, value);
  for (const GgufTensor& t : src->tensors())
    w.add_tensor(t.name, t.type, t.dims, {t.data, t.n_bytes});
  return w.to_bytes();
}

// The same with one u32 key set.
std::vector<uint8_t> edited_tiny(const std::string& model, const std::string& key, uint32_t value) {
  return edited_tiny(model, {{key, GgufWriteValue::u32(value)}});
}

std::string load_error(const std::vector<uint8_t>& bytes) {
  const auto f = GgufFile::parse(bytes, "model.gguf");
  auto be = make_cpu_backend({});
  try {
    load_model(*f, *be);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelLoad, RegistryListsTheArchitectures) {
  const std::vector<std::string> archs = supported_architectures();
  for (const char* a : {"llama", "qwen2", "qwen3", "qwen3moe", "gemma3", "deepseek2"}) {
    EXPECT_NE(std::find(archs.begin(), archs.end(), a), archs.end()) << a;
  }
}

TEST(ModelLoad, UnknownArchitectureIsNamed) {
  const std::string e = load_error(edited_tiny_llama("mamba9", "", ""));
  EXPECT_NE(e.find("model.gguf: architecture 'mamba9' is not supported"), std::string::npos) << e;
  EXPECT_NE(e.find("llama"), std::string::npos) << e;
}

TEST(ModelLoad, MissingTensorIsNamed) {
  const std::string e = load_error(edited_tiny_llama("llama", "blk.1.attn_q.weight", ""));
  EXPECT_EQ(e, "model.gguf: missing tensor blk.1.attn_q.weight");
}

TEST(ModelLoad, WrongShapeIsNamed) {
  const std::string e = load_error(edited_tiny_llama("llama", "", "blk.1.attn_k.weight"));
  EXPECT_EQ(e, "model.gguf: tensor blk.1.attn_k.weight has shape [32, 64], expected [64, 32]");
}

TEST(ModelLoad, MissingRequiredBiasIsNamed) {
  // qwen2 requires q/k/v biases, which the llama file lacks.
  const std::string e = load_error(edited_tiny_llama("qwen2", "", ""));
  EXPECT_EQ(e, "model.gguf: missing tensor blk.0.attn_q.bias");
}

// GLM-4.5's multi-token-prediction block is counted in block_count but is not a layer: the
// model runs the others; a count that leaves none is refused.
TEST(ModelLoad, MtpBlocksAreLeftOut) {
  EXPECT_EQ(load_error(edited_tiny("glm4moe", "glm4moe.nextn_predict_layers", 1)), "(no error)");
  EXPECT_NE(load_error(edited_tiny("glm4moe", "glm4moe.nextn_predict_layers", 4))
                .find("nextn_predict_layers 4 leaves no layer of block_count 4"),
            std::string::npos);
}

// gpt-oss's sliding layers: attention.sliding_window_pattern as one bool per layer or as a
// period (0: every layer), llama.cpp's period 2 when absent; an array too short is refused.
TEST(ModelLoad, SlidingWindowPatternPicksTheLayers) {
  const auto n_sliding = [](const std::vector<uint8_t>& bytes) {
    const auto f = GgufFile::parse(bytes, "model.gguf");
    auto be = make_cpu_backend({});
    return load_model(*f, *be)->config().n_layer_sliding;
  };
  const auto flags = [](std::initializer_list<bool> v) {
    std::vector<GgufWriteValue> out;
    for (const bool b : v) out.push_back(GgufWriteValue::boolean(b));
    return GgufWriteValue::array(GgufValueType::BOOL, out);
  };
  const std::string key = "gpt-oss.attention.sliding_window_pattern";
  EXPECT_EQ(n_sliding(edited_tiny("gpt-oss", {})), 2);
  EXPECT_EQ(n_sliding(edited_tiny("gpt-oss", {{key, flags({true, true, true, false})}})), 3);
  EXPECT_EQ(n_sliding(edited_tiny("gpt-oss", key, 0)), 4);
  EXPECT_EQ(n_sliding(edited_tiny("gpt-oss", key, 4)), 3);
  EXPECT_NE(load_error(edited_tiny("gpt-oss", {{key, flags({true, false})}}))
                .find("sliding_window_pattern has 2 entries for 4 layers"),
            std::string::npos);
  EXPECT_NE(load_error(edited_tiny("gpt-oss", "gpt-oss.expert_count", 0))
                .find("gpt-oss without expert_count"),
            std::string::npos);
}

// Gemma 4's per-layer shapes: head_count_kv per layer sizes each KV layer; the shared layers
// keep none; a shared layer whose source is of another kind, or a count leaving fewer than two
// layers with K/V, is refused.
TEST(ModelLoad, Gemma4LayersKeepTheirOwnKvShapes) {
  const std::vector<uint8_t> bytes = edited_tiny("gemma4", {});  // the file views them
  const auto f = GgufFile::parse(bytes, "model.gguf");
  auto be = make_cpu_backend({});
  const auto m = load_model(*f, *be);
  ASSERT_EQ(m->n_kv_layers(), 5);  // 7 layers, the last 2 shared
  EXPECT_EQ(m->kv_layer_layout(0).n_head_kv, 2);
  EXPECT_EQ(m->kv_layer_layout(0).head_dim, 32);
  EXPECT_EQ(m->kv_layer_layout(2).n_head_kv, 1);
  EXPECT_EQ(m->kv_layer_layout(2).head_dim, 64);
  EXPECT_EQ(m->kv_bytes_per_token(), 2 * 2 * (3 * 2 * 32 + 2 * 64));  // K and V, f16
  EXPECT_EQ(m->config().n_embd_per_layer, 32);
  const std::string shared = "gemma4.attention.shared_kv_layers";
  EXPECT_NE(load_error(edited_tiny("gemma4", shared, 3))
                .find("layer 4 shares the K/V of layer 3, which is of another kind"),
            std::string::npos);
  EXPECT_NE(load_error(edited_tiny("gemma4", shared, 6)).find("fewer than 2 layers with K/V"),
            std::string::npos);
}

// tiny/<model>.gguf with each layer's ffn_gate_exps and ffn_up_exps fused into one
// ffn_gate_up_exps (per expert: its gate rows, then its up rows), as llama.cpp's converter can.
std::vector<uint8_t> fused_gate_up(const std::string& model) {
  const auto src =
      GgufFile::open((testing::golden_dir() / "models" / "tiny" / (model + ".gguf")).string());
  GgufWriter w;
  for (const GgufValue& v : src->metadata()) w.add(v.key(), GgufWriteValue::copy_of(v));
  std::vector<std::vector<uint8_t>> keep;  // the fused tensors' bytes, alive until to_bytes()
  for (const GgufTensor& t : src->tensors()) {
    const size_t at = t.name.find("ffn_gate_exps");
    if (t.name.find("ffn_up_exps") != std::string::npos) continue;
    if (at == std::string::npos) {
      w.add_tensor(t.name, t.type, t.dims, {t.data, t.n_bytes});
      continue;
    }
    const std::string prefix = t.name.substr(0, at);
    const GgufTensor* up = src->find_tensor(prefix + "ffn_up_exps.weight");
    EXPECT_EQ(up->type, t.type) << "the fixture's gate and up experts must share a type";
    const auto n = static_cast<size_t>(t.dims[2]);
    const size_t slab = t.n_bytes / n;
    std::vector<uint8_t>& bytes = keep.emplace_back();
    for (size_t e = 0; e < n; ++e) {
      const auto* g = static_cast<const uint8_t*>(t.data) + e * slab;
      const auto* u = static_cast<const uint8_t*>(up->data) + e * slab;
      bytes.insert(bytes.end(), g, g + slab);
      bytes.insert(bytes.end(), u, u + slab);
    }
    w.add_tensor(prefix + "ffn_gate_up_exps.weight", t.type, {t.dims[0], 2 * t.dims[1], t.dims[2]},
                 {bytes.data(), bytes.size()});
  }
  return w.to_bytes();
}

// A fused ffn_gate_up_exps runs the same experts: bit-identical logits.
TEST(ModelLoad, FusedGateUpExpertsGiveTheSameLogits) {
  const std::vector<int32_t> prompt = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100};
  for (const std::string model : {"qwen35moe", "gemma4"}) {
    const auto plain =
        GgufFile::open((testing::golden_dir() / "models" / "tiny" / (model + ".gguf")).string());
    const std::vector<uint8_t> bytes = fused_gate_up(model);
    const auto fused = GgufFile::parse(bytes, model + "-fused.gguf");
    ASSERT_NE(fused->find_tensor("blk.1.ffn_gate_up_exps.weight"), nullptr) << model;
    std::vector<std::vector<float>> logits;
    for (const GgufFile* f : {plain.get(), fused.get()}) {
      auto be = make_cpu_backend({});
      auto m = load_model(*f, *be);
      auto kv = testing::make_kv_cache(*be, *m, 32);
      logits.push_back(testing::run_tokens(*m, *kv, prompt, 0, 0, true));
    }
    ASSERT_EQ(logits[0].size(), logits[1].size());
    EXPECT_EQ(std::memcmp(logits[0].data(), logits[1].data(), logits[0].size() * sizeof(float)), 0)
        << model;
  }
}

// tiny/<model>.gguf with tensor `from` renamed `to`.
std::vector<uint8_t> renamed_tensor(const std::string& model, const std::string& from,
                                    const std::string& to) {
  const auto src =
      GgufFile::open((testing::golden_dir() / "models" / "tiny" / (model + ".gguf")).string());
  GgufWriter w;
  for (const GgufValue& v : src->metadata()) w.add(v.key(), GgufWriteValue::copy_of(v));
  for (const GgufTensor& t : src->tensors()) {
    w.add_tensor(t.name == from ? to : t.name, t.type, t.dims, {t.data, t.n_bytes});
  }
  return w.to_bytes();
}

// Qwen3-Next's older fused q/k/v/z projection is refused with what to do; a per-layer count
// array shorter than the layers is refused by name.
TEST(ModelLoad, OlderAndShortLayoutsAreNamed) {
  EXPECT_NE(load_error(renamed_tensor("qwen3next", "blk.0.attn_qkv.weight", "blk.0.ssm_in.weight"))
                .find("blk.0.ssm_in.weight is the older fused q/k/v/z layout"),
            std::string::npos);
  const std::vector<GgufWriteValue> two = {GgufWriteValue::u32(2), GgufWriteValue::u32(1)};
  EXPECT_NE(load_error(edited_tiny("gemma4", {{"gemma4.attention.head_count_kv",
                                               GgufWriteValue::array(GgufValueType::UINT32, two)}}))
                .find("attention.head_count_kv has 2 entries for 7 layers"),
            std::string::npos);
}

// Hostile MoE / MLA metadata is a clear load error, never an overflow in a kernel.
TEST(ModelLoad, DeepSeekMetadataOutOfRangeIsNamed) {
  EXPECT_NE(load_error(edited_tiny("deepseek2-v3", "deepseek2.attention.kv_lora_rank", 4096))
                .find("exceeds the 2048-value latent rows"),
            std::string::npos);
  EXPECT_NE(load_error(edited_tiny("deepseek2-v3", "deepseek2.expert_group_count", 512))
                .find("expert groups (512, 2 used) do not fit 16 experts"),
            std::string::npos);
  EXPECT_NE(load_error(edited_tiny("deepseek2-v3", "deepseek2.expert_used_count", 17))
                .find("expert_used_count 17 must be between 1 and expert_count 16"),
            std::string::npos);
  EXPECT_NE(load_error(edited_tiny("deepseek2-v3", "deepseek2.expert_gating_func", 7))
                .find("expert_gating_func 7 is not supported"),
            std::string::npos);
  EXPECT_NE(load_error(edited_tiny("qwen3moe", "qwen3moe.expert_count", 9))
                .find("blk.0.ffn_gate_inp.weight has shape [64, 8], expected [64, 9]"),
            std::string::npos);
  EXPECT_EQ(load_error(edited_tiny("deepseek2-v3", "deepseek2.expert_group_count", 4)),
            "(no error)");
  // YaRN has been checked against llama.cpp for deepseek2 and gpt-oss only: others refuse it.
  EXPECT_NE(
      load_error(edited_tiny("qwen3", {{"qwen3.rope.scaling.type", GgufWriteValue::string("yarn")},
                                       {"qwen3.rope.scaling.factor", GgufWriteValue::f32(4.0f)}}))
          .find("YaRN RoPE scaling is supported for deepseek2 and gpt-oss only so far, not qwen3"),
      std::string::npos);
}

TEST(ModelLoad, ConfigFromMetadata) {
  const auto f =
      GgufFile::open((testing::golden_dir() / "models" / "tiny" / "llama.gguf").string());
  auto be = make_cpu_backend({});
  const auto m = load_model(*f, *be);
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.arch, "llama");
  EXPECT_EQ(c.n_vocab, 272);
  EXPECT_EQ(c.n_ctx_train, 256);
  EXPECT_EQ(c.n_embd, 64);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_head, 4);
  EXPECT_EQ(c.n_head_kv, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.n_ff, 128);
  EXPECT_EQ(m->kv_bytes_per_token(), 2 * 2 * 2 * 16 * 2);  // K and V, f16, both layers
}

TEST(ModelForward, RejectsBadTokensAndUnreservedPositions) {
  const auto f =
      GgufFile::open((testing::golden_dir() / "models" / "tiny" / "llama.gguf").string());
  auto be = make_cpu_backend({});
  const auto m = load_model(*f, *be);
  auto kv = testing::make_kv_cache(*be, *m, 32);
  std::vector<float> logits(272);
  Batch b;
  b.add(272, 0, 0, true);
  kv->reserve(0, 1);
  EXPECT_THROW(m->forward(b, *kv, logits), Error);  // token id == n_vocab
  b.clear();
  b.add(5, 1, 0, true);  // position 1 not reserved
  EXPECT_THROW(m->forward(b, *kv, logits), Error);
  b.clear();
  b.add(5, 0, 0, true);
  m->forward(b, *kv, logits);  // fine after the errors
  b.clear();
  std::vector<float> none;
  m->forward(b, *kv, none);  // an empty batch does nothing
}

}  // namespace
}  // namespace minke
