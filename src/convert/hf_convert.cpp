// convert_hf_checkpoint. What llama.cpp's converter does, restated (conversion/{base,llama,qwen,
// deepseek}.py at llama-cpp-python 0.3.36's llama.cpp):
// - names: model.embed_tokens -> token_embd, model.norm -> output_norm, lm_head -> output,
//   model.layers.N.{input_layernorm -> attn_norm, post_attention_layernorm -> ffn_norm,
//   self_attn.{q,k,v,o}_proj -> attn_{q,k,v,output}, q_norm/k_norm -> attn_{q,k}_norm,
//   mlp.{gate,up,down}_proj -> ffn_{gate,up,down}, mlp.gate -> ffn_gate_inp (router),
//   mlp.gate.e_score_correction_bias -> exp_probs_b.bias, mlp.shared_experts.* -> ffn_*_shexp,
//   MLA: q_a_proj/q_a_layernorm/q_b_proj/kv_a_proj_with_mqa/kv_a_layernorm -> attn_q_a,
//   attn_q_a_norm, attn_q_b, attn_kv_a_mqa, attn_kv_a_norm};
// - experts E of a layer stacked into blk.N.ffn_{gate,up,down}_exps (ne {in, out, E});
// - DeepSeek's kv_b_proj [H*(nope+v), kv_lora] split per head into attn_k_b (ne {nope, kv_lora,
//   H}, the key part transposed) and attn_v_b (ne {kv_lora, v, H});
// - Llama's q_proj/k_proj rows permuted from rotate-half to interleaved pairs per head
//   (new row h*d + 2j + p = old row h*d + p*d/2 + j); Qwen and DeepSeek are not permuted;
// - FP8 weights multiplied by their weight_scale_inv block (row / 128, col / 128);
// - MTP layers (index >= num_hidden_layers) and rotary inv_freq buffers dropped;
// - Llama 3 rope scaling becomes a rope_freqs.weight tensor of head_dim / 2 factors;
// - 1-D tensors, *_norm.weight, biases and the router stay F32; Q8_0 needs rows of 32 (else F16).
#include "convert/hf_convert.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "convert/hf_tokenizer.h"
#include "convert/safetensors.h"
#include "core/thread_pool.h"
#include "gguf/gguf_writer.h"
#include "minke/error.h"
#include "quant/quant_traits.h"

namespace minke {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum class Family { Llama, Qwen2, Qwen3, Qwen3Moe, DeepSeek2 };

struct ArchInfo {
  Family family;
  const char* gguf_arch;
};

ArchInfo arch_of(const std::string& hf_arch) {
  static const std::map<std::string, ArchInfo> known = {
      {"LlamaForCausalLM", {Family::Llama, "llama"}},
      {"Qwen2ForCausalLM", {Family::Qwen2, "qwen2"}},
      {"Qwen3ForCausalLM", {Family::Qwen3, "qwen3"}},
      {"Qwen3MoeForCausalLM", {Family::Qwen3Moe, "qwen3moe"}},
      {"DeepseekV2ForCausalLM", {Family::DeepSeek2, "deepseek2"}},
      {"DeepseekV3ForCausalLM", {Family::DeepSeek2, "deepseek2"}},
  };
  const auto it = known.find(hf_arch);
  if (it == known.end()) {
    std::string names;
    for (const auto& [name, info] : known) names += (names.empty() ? "" : ", ") + name;
    throw Error("config.json: architecture " + hf_arch + " is not one Minke converts (" + names +
                ")");
  }
  return it->second;
}

// The first of `keys` config.json has (as a number), or nullopt.
std::optional<double> first_number(const json& c, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (c.contains(k) && c[k].is_number()) return c[k].get<double>();
  }
  return std::nullopt;
}

int64_t need_int(const json& c, std::initializer_list<const char*> keys) {
  const std::optional<double> v = first_number(c, keys);
  if (!v || *v < 0 || *v > 1e9 || *v != std::floor(*v)) {
    throw Error(std::string("config.json: needs a whole number ") + *keys.begin());
  }
  return static_cast<int64_t>(*v);
}

// rope_scaling (older configs) or rope_parameters (transformers 5), with `type` read as rope_type.
json rope_params(const json& c) {
  json r = c.contains("rope_scaling") && c["rope_scaling"].is_object() ? c["rope_scaling"]
           : c.contains("rope_parameters") && c["rope_parameters"].is_object()
               ? c["rope_parameters"]
               : json::object();
  if (!r.contains("rope_type") && r.contains("type")) r["rope_type"] = r["type"];
  return r;
}

double rope_theta(const json& c) {
  if (c.contains("rope_theta") && c["rope_theta"].is_number()) return c["rope_theta"].get<double>();
  const json r = c.contains("rope_parameters") ? c["rope_parameters"] : json::object();
  if (r.is_object() && r.contains("rope_theta") && r["rope_theta"].is_number()) {
    return r["rope_theta"].get<double>();
  }
  return 10000.0;
}

// One GGUF tensor to write: its shape and a producer of its f32 values, whole rows at a time.
struct OutTensor {
  std::string name;
  std::vector<int64_t> dims;  // ne: innermost first
  std::function<void(const std::function<void(std::span<const float>)>&)> produce;
};

class Converter {
 public:
  Converter(const std::string& dir, const ConvertOptions& options)
      : dir_(dir), options_(options), ckpt_(dir) {
    std::ifstream in(fs::path(dir) / "config.json");
    if (!in) throw Error(dir + ": no config.json");
    try {
      config_ = json::parse(in);
    } catch (const json::exception& e) {
      throw Error(dir + "/config.json: " + e.what());
    }
    if (config_.contains("text_config") && config_["text_config"].is_object()) {
      for (const auto& [k, v] : config_["text_config"].items()) config_[k] = v;
    }
    if (!config_.contains("architectures") || !config_["architectures"].is_array() ||
        config_["architectures"].empty() || !config_["architectures"][0].is_string()) {
      throw Error(dir + "/config.json: no architectures list");
    }
    arch_ = arch_of(config_["architectures"][0].get<std::string>());
    n_layer_ = need_int(config_, {"num_hidden_layers", "n_layers", "n_layer"});
    n_head_ = need_int(config_, {"num_attention_heads", "n_head"});
    n_head_kv_ = first_number(config_, {"num_key_value_heads"}).value_or(n_head_);
    const json& q = config_.value("quantization_config", json());
    if (q.is_object() && q.contains("quant_method")) {
      if (q["quant_method"] != "fp8") {
        throw Error("config.json: quantization " + q["quant_method"].dump() +
                    " is not converted (Minke converts FP8 block-scaled checkpoints)");
      }
      if (q.contains("weight_block_size") && q["weight_block_size"].is_array() &&
          q["weight_block_size"].size() == 2) {
        fp8_block_[0] = q["weight_block_size"][0].get<int64_t>();
        fp8_block_[1] = q["weight_block_size"][1].get<int64_t>();
      }
      if (fp8_block_[0] <= 0 || fp8_block_[1] <= 0)
        throw Error("config.json: bad weight_block_size");
    }
  }

  void run(const std::string& out_path, const ConvertProgress& progress);

 private:
  // The HF tensor as f32 in its numpy shape (FP8 scaled by its block scales).
  std::vector<float> load(const std::string& name) const;
  const SafetensorsTensor& tensor(const std::string& name) const { return ckpt_.get(name); }
  void add_plain(const std::string& gguf, const std::string& hf, bool permute_heads = false,
                 int64_t heads = 0);
  void add_experts(int64_t layer, const std::string& prefix);
  void add_kv_b(int64_t layer, const std::string& hf);
  void add_rope_freqs();
  void write_metadata(GgufWriter& w, GgmlType weight_type) const;
  GgmlType storage_for(const OutTensor& t, GgmlType weight_type) const;

  std::string dir_;
  ConvertOptions options_;
  SafetensorsCheckpoint ckpt_;
  json config_;
  ArchInfo arch_{};
  int64_t n_layer_ = 0, n_head_ = 0, n_head_kv_ = 0;
  int64_t fp8_block_[2] = {128, 128};
  std::vector<OutTensor> out_;
};

std::vector<float> Converter::load(const std::string& name) const {
  const SafetensorsTensor& t = tensor(name);
  std::vector<float> v(static_cast<size_t>(t.n_elements()));
  safetensors_to_f32(t, v);
  const SafetensorsTensor* scale = ckpt_.find(name + "_scale_inv");
  if (t.dtype == SafetensorsType::F8_E4M3 && scale == nullptr) {
    throw Error(dir_ + ": FP8 tensor " + name + " has no " + name + "_scale_inv");
  }
  if (scale == nullptr) return v;
  if (t.shape.size() != 2 || scale->shape.size() != 2) {
    throw Error(dir_ + ": " + name + "_scale_inv: only 2-D block scales are converted");
  }
  const int64_t rows = t.shape[0], cols = t.shape[1];
  const int64_t br = (rows + fp8_block_[0] - 1) / fp8_block_[0];
  const int64_t bc = (cols + fp8_block_[1] - 1) / fp8_block_[1];
  if (scale->shape[0] != br || scale->shape[1] != bc) {
    throw Error(dir_ + ": " + name + "_scale_inv has shape [" + std::to_string(scale->shape[0]) +
                ", " + std::to_string(scale->shape[1]) + "], expected [" + std::to_string(br) +
                ", " + std::to_string(bc) + "] for blocks of " + std::to_string(fp8_block_[0]) +
                "x" + std::to_string(fp8_block_[1]));
  }
  std::vector<float> s(static_cast<size_t>(br * bc));
  safetensors_to_f32(*scale, s);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      v[static_cast<size_t>(r * cols + c)] *=
          s[static_cast<size_t>((r / fp8_block_[0]) * bc + c / fp8_block_[1])];
    }
  }
  return v;
}

std::vector<int64_t> ne_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> ne(shape.rbegin(), shape.rend());
  if (ne.empty()) ne.push_back(1);
  return ne;
}

void Converter::add_plain(const std::string& gguf, const std::string& hf, bool permute_heads,
                          int64_t heads) {
  const SafetensorsTensor& t = tensor(hf);
  out_.push_back({gguf, ne_of(t.shape), [this, hf, permute_heads, heads](const auto& sink) {
                    std::vector<float> v = load(hf);
                    if (permute_heads) {
                      const SafetensorsTensor& src = tensor(hf);
                      const int64_t rows = src.shape[0];
                      const int64_t row = src.shape.size() > 1 ? src.shape[1] : 1;
                      if (heads <= 0 || rows % (2 * heads) != 0) {
                        throw Error(dir_ + ": " + hf + " rows do not split into " +
                                    std::to_string(heads) + " heads");
                      }
                      const int64_t d = rows / heads;
                      std::vector<float> p(v.size());
                      for (int64_t h = 0; h < heads; ++h) {
                        for (int64_t j = 0; j < d / 2; ++j) {
                          for (int64_t q = 0; q < 2; ++q) {
                            std::copy_n(v.begin() + (h * d + q * (d / 2) + j) * row, row,
                                        p.begin() + (h * d + 2 * j + q) * row);
                          }
                        }
                      }
                      v.swap(p);
                    }
                    sink(v);
                  }});
}

void Converter::add_experts(int64_t layer, const std::string& prefix) {
  const int64_t n_expert =
      need_int(config_, {"n_routed_experts", "num_experts", "num_local_experts"});
  for (const char* w : {"gate", "up", "down"}) {
    const std::string first = prefix + "experts.0." + w + "_proj.weight";
    const SafetensorsTensor& t0 = tensor(first);
    std::vector<int64_t> ne = ne_of(t0.shape);
    ne.push_back(n_expert);
    for (int64_t e = 0; e < n_expert; ++e) {
      const SafetensorsTensor& t =
          tensor(prefix + "experts." + std::to_string(e) + "." + w + "_proj.weight");
      if (t.shape != t0.shape)
        throw Error(dir_ + ": " + t.name + " differs in shape from " + first);
    }
    out_.push_back(
        {"blk." + std::to_string(layer) + ".ffn_" + w + "_exps.weight", ne,
         [this, prefix, w, n_expert](const auto& sink) {
           for (int64_t e = 0; e < n_expert; ++e) {  // one expert in memory at a time
             sink(load(prefix + "experts." + std::to_string(e) + "." + w + "_proj.weight"));
           }
         }});
  }
}

void Converter::add_kv_b(int64_t layer, const std::string& hf) {
  const int64_t nope = need_int(config_, {"qk_nope_head_dim"});
  const int64_t v_dim = need_int(config_, {"v_head_dim"});
  const int64_t lora = need_int(config_, {"kv_lora_rank"});
  const int64_t heads = n_head_kv_;
  const SafetensorsTensor& t = tensor(hf);
  if (t.shape.size() != 2 || t.shape[0] != heads * (nope + v_dim) || t.shape[1] != lora) {
    throw Error(dir_ + ": " + hf + " is not [heads x (qk_nope + v_head_dim), kv_lora_rank]");
  }
  const std::string blk = "blk." + std::to_string(layer) + ".";
  out_.push_back({blk + "attn_k_b.weight", {nope, lora, heads}, [=, this](const auto& sink) {
                    const std::vector<float> w = load(hf);
                    std::vector<float> k(static_cast<size_t>(lora * nope));
                    for (int64_t h = 0; h < heads; ++h) {  // [lora, nope] per head: transposed
                      for (int64_t c = 0; c < lora; ++c) {
                        for (int64_t r = 0; r < nope; ++r) {
                          k[static_cast<size_t>(c * nope + r)] =
                              w[static_cast<size_t>((h * (nope + v_dim) + r) * lora + c)];
                        }
                      }
                      sink(k);
                    }
                  }});
  out_.push_back({blk + "attn_v_b.weight", {lora, v_dim, heads}, [=, this](const auto& sink) {
                    const std::vector<float> w = load(hf);
                    for (int64_t h = 0; h < heads; ++h) {
                      const auto first = w.begin() + (h * (nope + v_dim) + nope) * lora;
                      sink(std::span<const float>(&*first, static_cast<size_t>(v_dim * lora)));
                    }
                  }});
}

// Llama 3's frequency scaling as the per-pair factors llama.cpp reads from rope_freqs.weight.
void Converter::add_rope_freqs() {
  const json r = rope_params(config_);
  if (r.value("rope_type", "") != "llama3") return;
  const int64_t head_dim = config_.contains("head_dim") && config_["head_dim"].is_number_integer()
                               ? config_["head_dim"].get<int64_t>()
                               : need_int(config_, {"hidden_size"}) / n_head_;
  const double base = rope_theta(config_);
  const double factor = r.value("factor", 8.0), low = r.value("low_freq_factor", 1.0);
  const double high = r.value("high_freq_factor", 4.0);
  const double old_ctx = r.value("original_max_position_embeddings", 8192.0);
  std::vector<float> f(static_cast<size_t>(head_dim / 2));
  for (int64_t i = 0; i < head_dim / 2; ++i) {
    const double freq =
        std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
    const double wavelen = 2.0 * M_PI / freq;
    double v = factor;
    if (wavelen < old_ctx / high) {
      v = 1.0;
    } else if (wavelen <= old_ctx / low) {
      const double smooth = (old_ctx / wavelen - low) / (high - low);
      v = 1.0 / ((1.0 - smooth) / factor + smooth);
    }
    f[static_cast<size_t>(i)] = static_cast<float>(v);
  }
  out_.push_back({"rope_freqs.weight", {head_dim / 2}, [f](const auto& sink) { sink(f); }});
}

// The GGUF name of a per-layer HF tensor suffix, or "" when it has none.
std::string layer_name(const std::string& suffix) {
  static const std::map<std::string, std::string> names = {
      {"input_layernorm.weight", "attn_norm.weight"},
      {"post_attention_layernorm.weight", "ffn_norm.weight"},
      {"self_attn.q_proj.weight", "attn_q.weight"},
      {"self_attn.q_proj.bias", "attn_q.bias"},
      {"self_attn.k_proj.weight", "attn_k.weight"},
      {"self_attn.k_proj.bias", "attn_k.bias"},
      {"self_attn.v_proj.weight", "attn_v.weight"},
      {"self_attn.v_proj.bias", "attn_v.bias"},
      {"self_attn.o_proj.weight", "attn_output.weight"},
      {"self_attn.q_norm.weight", "attn_q_norm.weight"},
      {"self_attn.k_norm.weight", "attn_k_norm.weight"},
      {"self_attn.q_a_proj.weight", "attn_q_a.weight"},
      {"self_attn.q_a_layernorm.weight", "attn_q_a_norm.weight"},
      {"self_attn.q_b_proj.weight", "attn_q_b.weight"},
      {"self_attn.kv_a_proj_with_mqa.weight", "attn_kv_a_mqa.weight"},
      {"self_attn.kv_a_layernorm.weight", "attn_kv_a_norm.weight"},
      {"mlp.gate_proj.weight", "ffn_gate.weight"},
      {"mlp.up_proj.weight", "ffn_up.weight"},
      {"mlp.down_proj.weight", "ffn_down.weight"},
      {"mlp.gate.weight", "ffn_gate_inp.weight"},
      {"mlp.gate.e_score_correction_bias", "exp_probs_b.bias"},
      {"mlp.shared_experts.gate_proj.weight", "ffn_gate_shexp.weight"},
      {"mlp.shared_experts.up_proj.weight", "ffn_up_shexp.weight"},
      {"mlp.shared_experts.down_proj.weight", "ffn_down_shexp.weight"},
  };
  const auto it = names.find(suffix);
  return it == names.end() ? "" : it->second;
}

GgmlType Converter::storage_for(const OutTensor& t, GgmlType weight_type) const {
  int n_dims = static_cast<int>(t.dims.size());
  while (n_dims > 1 && t.dims[static_cast<size_t>(n_dims) - 1] == 1) --n_dims;
  const std::string& n = t.name;
  if (n_dims <= 1 || n.ends_with("_norm.weight") || !n.ends_with(".weight") ||
      n.find("ffn_gate_inp.weight") != std::string::npos) {
    return GgmlType::F32;
  }
  if (weight_type == GgmlType::Q8_0 && t.dims[0] % 32 != 0) return GgmlType::F16;
  return weight_type;
}

void Converter::write_metadata(GgufWriter& w, GgmlType weight_type) const {
  const std::string a = arch_.gguf_arch;
  const auto key = [&](const char* k) { return a + "." + k; };
  const json& c = config_;
  w.add_string("general.architecture", a);
  w.add_string("general.type", "model");
  w.add_string("general.name", options_.name.empty()
                                   ? fs::path(dir_).lexically_normal().filename().string()
                                   : options_.name);
  w.add_u32(key("block_count"), static_cast<uint32_t>(n_layer_));
  if (auto v = first_number(c, {"max_position_embeddings", "n_ctx", "n_positions", "max_length"})) {
    w.add_u32(key("context_length"), static_cast<uint32_t>(*v));
  }
  w.add_u32(key("embedding_length"), static_cast<uint32_t>(need_int(c, {"hidden_size", "n_embd"})));
  if (auto v = first_number(c, {"intermediate_size", "n_inner"})) {
    w.add_u32(key("feed_forward_length"), static_cast<uint32_t>(*v));
  }
  w.add_u32(key("attention.head_count"), static_cast<uint32_t>(n_head_));
  const bool mla = arch_.family == Family::DeepSeek2;
  w.add_u32(key("attention.head_count_kv"), mla ? 1u : static_cast<uint32_t>(n_head_kv_));
  w.add_f32(key("rope.freq_base"), static_cast<float>(rope_theta(c)));
  const double eps = first_number(c, {"rms_norm_eps", "norm_eps"}).value_or(1e-6);
  w.add_f32(key("attention.layer_norm_rms_epsilon"), static_cast<float>(eps));

  const json r = rope_params(c);
  const std::string rope_type = r.value("rope_type", "default");
  if (rope_type == "linear") {
    w.add_string(key("rope.scaling.type"), "linear");
    w.add_f32(key("rope.scaling.factor"), r.value("factor", 1.0f));
  } else if (rope_type == "yarn") {
    w.add_string(key("rope.scaling.type"), "yarn");
    w.add_f32(key("rope.scaling.factor"), r.value("factor", 1.0f));
    if (!r.contains("original_max_position_embeddings")) {
      throw Error("config.json: yarn rope scaling needs original_max_position_embeddings");
    }
    w.add_u32(key("rope.scaling.original_context_length"),
              r["original_max_position_embeddings"].get<uint32_t>());
    if (r.contains("beta_fast"))
      w.add_f32(key("rope.scaling.yarn_beta_fast"), r["beta_fast"].get<float>());
    if (r.contains("beta_slow"))
      w.add_f32(key("rope.scaling.yarn_beta_slow"), r["beta_slow"].get<float>());
    if (mla && r.contains("mscale_all_dim")) {
      w.add_f32(key("rope.scaling.yarn_log_multiplier"), 0.1f * r["mscale_all_dim"].get<float>());
    }
  } else if (rope_type != "default" && rope_type != "llama3") {
    throw Error("config.json: rope scaling " + rope_type + " is not converted");
  }

  if (auto v = first_number(c, {"num_local_experts", "num_experts", "n_routed_experts"})) {
    w.add_u32(key("expert_count"), static_cast<uint32_t>(*v));
  }
  if (auto v = first_number(c, {"num_experts_per_tok"})) {
    w.add_u32(key("expert_used_count"), static_cast<uint32_t>(*v));
  }
  if (auto v = first_number(c, {"moe_intermediate_size"})) {
    w.add_u32(key("expert_feed_forward_length"), static_cast<uint32_t>(*v));
  }
  const int64_t head_dim = c.contains("head_dim") && c["head_dim"].is_number_integer()
                               ? c["head_dim"].get<int64_t>()
                               : need_int(c, {"hidden_size"}) / n_head_;
  if (arch_.family == Family::Llama) {
    w.add_u32(key("vocab_size"), static_cast<uint32_t>(need_int(c, {"vocab_size"})));
    w.add_u32(key("rope.dimension_count"), static_cast<uint32_t>(head_dim));
  }
  if (!mla && c.contains("head_dim") && c["head_dim"].is_number_integer()) {
    w.add_u32(key("attention.key_length"), static_cast<uint32_t>(head_dim));
    w.add_u32(key("attention.value_length"), static_cast<uint32_t>(head_dim));
  }
  if (mla) {
    const int64_t lora = need_int(c, {"kv_lora_rank"}), rope = need_int(c, {"qk_rope_head_dim"});
    const bool v3 = c.value("model_type", "") == "deepseek_v3" ||
                    c["architectures"][0] == "DeepseekV3ForCausalLM";
    const std::string gating = c.value("scoring_func", v3 ? "sigmoid" : "softmax");
    if (gating != "softmax" && gating != "sigmoid") {
      throw Error("config.json: scoring_func " + gating + " is not converted");
    }
    w.add_u32(key("leading_dense_block_count"),
              static_cast<uint32_t>(first_number(c, {"first_k_dense_replace"})
                                        .value_or(c.contains("n_routed_experts") ? 0 : n_layer_)));
    w.add_u32(key("vocab_size"), static_cast<uint32_t>(need_int(c, {"vocab_size"})));
    if (c.contains("q_lora_rank") && c["q_lora_rank"].is_number_integer()) {
      w.add_u32(key("attention.q_lora_rank"), c["q_lora_rank"].get<uint32_t>());
    }
    w.add_u32(key("attention.kv_lora_rank"), static_cast<uint32_t>(lora));
    w.add_u32(key("attention.key_length"), static_cast<uint32_t>(lora + rope));
    w.add_u32(key("attention.value_length"), static_cast<uint32_t>(lora));
    w.add_u32(key("attention.key_length_mla"),
              static_cast<uint32_t>(need_int(c, {"qk_nope_head_dim"}) + rope));
    w.add_u32(key("attention.value_length_mla"),
              static_cast<uint32_t>(need_int(c, {"v_head_dim"})));
    w.add_u32(key("expert_shared_count"),
              static_cast<uint32_t>(first_number(c, {"n_shared_experts"}).value_or(0)));
    if (auto v = first_number(c, {"routed_scaling_factor"})) {
      w.add_f32(key("expert_weights_scale"), static_cast<float>(*v));
    }
    if (c.value("norm_topk_prob", false)) w.add_bool(key("expert_weights_norm"), true);
    if (auto v = first_number(c, {"n_group"}))
      w.add_u32(key("expert_group_count"), static_cast<uint32_t>(*v));
    if (auto v = first_number(c, {"topk_group"})) {
      w.add_u32(key("expert_group_used_count"), static_cast<uint32_t>(*v));
    }
    w.add_u32(key("expert_gating_func"), gating == "softmax" ? 1u : 2u);
    w.add_u32(key("rope.dimension_count"), static_cast<uint32_t>(rope));
  }
  uint32_t file_type = 1;
  if (weight_type == GgmlType::F32) file_type = 0;
  if (weight_type == GgmlType::BF16) file_type = 32;
  if (weight_type == GgmlType::Q8_0) file_type = 7;
  w.add_u32("general.file_type", file_type);
  w.add_u32("general.quantization_version", 2);
  add_hf_tokenizer(dir_, config_, w);
}

void Converter::run(const std::string& out_path, const ConvertProgress& progress) {
  add_plain("token_embd.weight", "model.embed_tokens.weight");
  add_rope_freqs();
  const std::regex layer_re(R"(model\.layers\.(\d+)\.(.+))");
  std::map<int64_t, std::map<std::string, std::string>> layers;  // layer -> suffix -> HF name
  for (const auto& [name, t] : ckpt_.tensors()) {
    if (name.ends_with("_scale_inv") || name.ends_with("rotary_emb.inv_freq") ||
        name == "model.embed_tokens.weight" || name == "model.norm.weight" ||
        name == "lm_head.weight") {
      continue;
    }
    std::smatch m;
    if (!std::regex_match(name, m, layer_re)) throw Error(dir_ + ": cannot place tensor " + name);
    const int64_t layer = std::stoll(m[1].str());
    if (layer >= n_layer_) continue;  // DeepSeek-V3's multi-token-prediction layers
    layers[layer][m[2].str()] = name;
  }
  for (const auto& [layer, tensors] : layers) {
    const std::string blk = "blk." + std::to_string(layer) + ".";
    const std::string prefix = "model.layers." + std::to_string(layer) + ".";
    bool experts_done = false;
    for (const auto& [suffix, hf] : tensors) {
      if (suffix.starts_with("mlp.experts.")) {
        if (!experts_done) add_experts(layer, prefix + "mlp.");
        experts_done = true;
        continue;
      }
      if (suffix == "self_attn.kv_b_proj.weight") {
        add_kv_b(layer, hf);
        continue;
      }
      const std::string gguf = layer_name(suffix);
      if (gguf.empty()) throw Error(dir_ + ": cannot place tensor " + hf);
      const bool llama = arch_.family == Family::Llama;
      const bool q = suffix.starts_with("self_attn.q_proj."),
                 k = suffix.starts_with("self_attn.k_proj.");
      add_plain(blk + gguf, hf, llama && (q || k), q ? n_head_ : n_head_kv_);
    }
  }
  add_plain("output_norm.weight", "model.norm.weight");
  const bool tied = config_.value("tie_word_embeddings", false);
  if (ckpt_.find("lm_head.weight") != nullptr && !(tied && arch_.family == Family::DeepSeek2)) {
    add_plain("output.weight", "lm_head.weight");
  }

  GgmlType weight_type = GgmlType::F16;
  switch (options_.outtype) {
    case ConvertOutType::F32:
      weight_type = GgmlType::F32;
      break;
    case ConvertOutType::F16:
      weight_type = GgmlType::F16;
      break;
    case ConvertOutType::BF16:
      weight_type = GgmlType::BF16;
      break;
    case ConvertOutType::Q8_0:
      weight_type = GgmlType::Q8_0;
      break;
    case ConvertOutType::Auto:
      for (const auto& [name, t] : ckpt_.tensors()) {
        if (t.shape.size() < 2 || t.dtype == SafetensorsType::F8_E4M3) continue;
        if (t.dtype == SafetensorsType::BF16) weight_type = GgmlType::BF16;
        break;
      }
      break;
  }

  GgufWriter w;
  write_metadata(w, weight_type);
  ThreadPool pool(std::max(1, options_.threads));
  for (size_t i = 0; i < out_.size(); ++i) {
    const OutTensor& t = out_[i];
    const GgmlType type = storage_for(t, weight_type);
    w.add_tensor_streamed(t.name, type, t.dims, [&, i, type](const GgufWriter::TensorSink& sink) {
      const QuantizeRowFn to = quantize_row_fn(type);
      const GgmlTypeInfo& info = ggml_type_info(type);
      const int64_t row = t.dims[0];
      const size_t row_bytes = static_cast<size_t>(row / info.block_size * info.type_size);
      std::vector<uint8_t> bytes;
      t.produce([&](std::span<const float> rows) {
        const int64_t n_rows = static_cast<int64_t>(rows.size()) / row;
        bytes.resize(static_cast<size_t>(n_rows) * row_bytes);
        pool.parallel_for(n_rows, [&](int64_t r, int) {
          to(rows.data() + r * row, bytes.data() + static_cast<size_t>(r) * row_bytes, row);
        });
        sink(bytes);
      });
      if (progress) progress(t.name, type, t.dims, i, out_.size());
    });
  }
  w.write_file(out_path);
}

}  // namespace

ConvertOutType parse_convert_outtype(std::string_view name) {
  std::string n(name);
  for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (n == "auto") return ConvertOutType::Auto;
  if (n == "f32") return ConvertOutType::F32;
  if (n == "f16") return ConvertOutType::F16;
  if (n == "bf16") return ConvertOutType::BF16;
  if (n == "q8_0") return ConvertOutType::Q8_0;
  throw Error("--outtype " + std::string(name) +
              " is not one of auto, f32, f16, bf16, q8_0 (quantize further with minke quantize)");
}

void convert_hf_checkpoint(const std::string& dir, const std::string& out_path,
                           const ConvertOptions& options, const ConvertProgress& progress) {
  Converter(dir, options).run(out_path, progress);
}

}  // namespace minke
