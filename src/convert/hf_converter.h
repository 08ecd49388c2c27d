// HfConverter: the machinery behind convert_hf_checkpoint, shared by the files that each teach
// it a family's own tensors: hf_convert.cpp (the common names, Llama, Qwen2/3, Qwen3-MoE,
// DeepSeek-V2/V3, GLM-4.5), hf_gpt_oss.cpp (gpt-oss's fused experts and MXFP4 blocks),
// hf_gemma4.cpp (Gemma 4's norms, per-layer inputs, mixture and per-kind attention shapes) and
// hf_linear_attention.cpp (Qwen3-Next and Qwen3.5's Gated DeltaNet layers). A converter lists
// the GGUF tensors to write (OutTensor: a name, a shape and a producer of its values) and the
// metadata, then streams them out one tensor at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "convert/hf_convert.h"
#include "convert/safetensors.h"
#include "gguf/ggml_type.h"

namespace minke {

class GgufWriter;

enum class HfFamily {
  Llama,
  Qwen2,
  Qwen3,
  Qwen3Moe,
  DeepSeek2,
  Glm4Moe,
  GptOss,
  Gemma4,
  Qwen3Next,
  Qwen35,
  Qwen35Moe
};

// One GGUF tensor to write: its shape and a producer of its f32 values, whole rows at a time,
// or (raw_type set) of its bytes already in that type, copied as they are.
struct OutTensor {
  using FloatSink = std::function<void(std::span<const float>)>;
  using ByteSink = std::function<void(std::span<const uint8_t>)>;
  std::string name;
  std::vector<int64_t> dims;  // ne: innermost first
  std::function<void(const FloatSink&)> produce;
  std::optional<GgmlType> raw_type;
  std::function<void(const ByteSink&)> produce_raw;
};

// Rewrites a tensor's values in place (same shape): +1 on a norm, -exp(A_log), a head order.
using ValueFix = std::function<void(std::vector<float>&)>;

// config.json readers: the first of `keys` present as a number, or nullopt / an error.
std::optional<double> first_number(const nlohmann::json& c,
                                   std::initializer_list<const char*> keys);
int64_t need_int(const nlohmann::json& c, std::initializer_list<const char*> keys);
// The first of `keys` present, as a count that fits 32 bits (else minke::Error), or nullopt.
std::optional<uint32_t> first_count(const nlohmann::json& c,
                                    std::initializer_list<const char*> keys);
// ne (innermost first) of a numpy shape.
std::vector<int64_t> ne_of(const std::vector<int64_t>& shape);
// `v` as a float when it is finite and within float's range, else minke::Error naming `what`.
float f32_of(double v, const char* what);
// `fraction` (a partial rotary factor) when it lies in [0, 1], else minke::Error.
double checked_fraction(double fraction);
// head_dim x checked_fraction(fraction), rounded down.
int64_t part_of(int64_t head_dim, double fraction);
// `d` when it is a plausible attention head size (1 to 65536), else minke::Error.
int64_t checked_head_dim(int64_t d);

class HfConverter {
 public:
  HfConverter(const std::string& dir, const ConvertOptions& options);
  void run(const std::string& out_path, const ConvertProgress& progress);

 private:
  // The HF tensor as f32 in its numpy shape (FP8 scaled by its block scales).
  std::vector<float> load(const std::string& name) const;
  const SafetensorsTensor& tensor(const std::string& name) const { return ckpt_.get(name); }
  void add_plain(const std::string& gguf, const std::string& hf, ValueFix fix = {});
  void add_layer_tensor(int64_t layer, const std::string& suffix, const std::string& hf);
  void add_experts(int64_t layer, const std::string& prefix);
  void add_kv_b(int64_t layer, const std::string& hf);
  void add_rope_freqs();
  void write_metadata(GgufWriter& w, GgmlType weight_type) const;
  void write_routing_metadata(GgufWriter& w) const;
  GgmlType storage_for(const OutTensor& t, GgmlType weight_type) const;
  [[noreturn]] void cannot_place(const std::string& hf) const;
  std::string key(const char* k) const;
  int64_t head_dim() const;
  // head_dim x partial_rotary_factor (`partial` when config.json does not say).
  int64_t rope_dims(double partial) const;

  // hf_gpt_oss.cpp
  bool add_gpt_oss_tensor(int64_t layer, const std::string& suffix, const std::string& hf);
  void write_gpt_oss_metadata(GgufWriter& w) const;
  // hf_gemma4.cpp
  bool add_gemma4_model_tensor(const std::string& inner, const std::string& hf);
  bool add_gemma4_tensor(int64_t layer, const std::string& suffix, const std::string& hf);
  void add_gemma4_rope_freqs();
  int64_t gemma4_global_head_dim() const;
  void write_gemma4_metadata(GgufWriter& w) const;
  // hf_linear_attention.cpp
  bool add_linear_attention_tensor(int64_t layer, const std::string& suffix, const std::string& hf);
  void write_linear_attention_metadata(GgufWriter& w) const;

  std::string dir_;
  // "model." or, in a multimodal checkpoint (Qwen3.5's), "model.language_model.": where the
  // text model's embed_tokens, layers and norm are.
  std::string text_prefix_ = "model.";
  ConvertOptions options_;
  SafetensorsCheckpoint ckpt_;
  nlohmann::json config_;
  HfFamily family_ = HfFamily::Llama;
  const char* gguf_arch_ = "";
  int64_t n_layer_ = 0, n_head_ = 0, n_head_kv_ = 0;
  int64_t fp8_block_[2] = {128, 128};
  std::vector<OutTensor> out_;
};

}  // namespace minke
