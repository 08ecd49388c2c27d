// convert_hf_checkpoint and the common part of HfConverter. What llama.cpp's converter does,
// restated (conversion/{base,llama,qwen,deepseek,glm}.py at llama-cpp-python 0.3.36's llama.cpp):
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
// - MTP layers (index >= num_hidden_layers: DeepSeek-V3's, GLM-4.5's; `mtp.*`: Qwen3-Next's and
//   Qwen3.5's), vision towers and rotary inv_freq buffers dropped (nextn_predict_layers is not
//   written: the GGUF has no MTP block, which Minke never runs);
// - GLM-4.5: DeepSeek-V3's names and routing keys with plain attention, q/k biases and norms,
//   post_attention_layernorm -> post_attention_norm, rope.dimension_count = head_dim x
//   partial_rotary_factor (NeoX order: nothing permuted);
// - Llama 3 rope scaling becomes a rope_freqs.weight tensor of head_dim / 2 factors;
// - 1-D tensors, *_norm.weight, biases and the router stay F32; Q8_0 needs rows of 32 (else F16).
#include "convert/hf_convert.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "convert/hf_converter.h"
#include "convert/hf_tokenizer.h"
#include "convert/safetensors.h"
#include "core/thread_pool.h"
#include "gguf/gguf_writer.h"
#include "minke/error.h"
#include "quant/quant_traits.h"

namespace minke {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ArchInfo {
  HfFamily family;
  const char* gguf_arch;
};

ArchInfo arch_of(const std::string& hf_arch) {
  static const std::map<std::string, ArchInfo> known = {
      {"LlamaForCausalLM", {HfFamily::Llama, "llama"}},
      {"Qwen2ForCausalLM", {HfFamily::Qwen2, "qwen2"}},
      {"Qwen3ForCausalLM", {HfFamily::Qwen3, "qwen3"}},
      {"Qwen3MoeForCausalLM", {HfFamily::Qwen3Moe, "qwen3moe"}},
      {"DeepseekV2ForCausalLM", {HfFamily::DeepSeek2, "deepseek2"}},
      {"DeepseekV3ForCausalLM", {HfFamily::DeepSeek2, "deepseek2"}},
      {"Glm4MoeForCausalLM", {HfFamily::Glm4Moe, "glm4moe"}},
      {"GptOssForCausalLM", {HfFamily::GptOss, "gpt-oss"}},
      {"Gemma4ForCausalLM", {HfFamily::Gemma4, "gemma4"}},
      {"Gemma4ForConditionalGeneration", {HfFamily::Gemma4, "gemma4"}},
      {"Qwen3NextForCausalLM", {HfFamily::Qwen3Next, "qwen3next"}},
      {"Qwen3_5ForCausalLM", {HfFamily::Qwen35, "qwen35"}},
      {"Qwen3_5ForConditionalGeneration", {HfFamily::Qwen35, "qwen35"}},
      {"Qwen3_5MoeForCausalLM", {HfFamily::Qwen35Moe, "qwen35moe"}},
      {"Qwen3_5MoeForConditionalGeneration", {HfFamily::Qwen35Moe, "qwen35moe"}},
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

// Llama's q_proj/k_proj rows from rotate-half to interleaved pairs per head.
ValueFix permute_rope_rows(const std::string& where, int64_t heads, int64_t row) {
  return [where, heads, row](std::vector<float>& v) {
    const int64_t rows = static_cast<int64_t>(v.size()) / row;
    if (heads <= 0 || rows % (2 * heads) != 0) {
      throw Error(where + " rows do not split into " + std::to_string(heads) + " heads");
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
  };
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
      {"self_attn.o_proj.bias", "attn_output.bias"},
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
      {"mlp.shared_expert.gate_proj.weight", "ffn_gate_shexp.weight"},
      {"mlp.shared_expert.up_proj.weight", "ffn_up_shexp.weight"},
      {"mlp.shared_expert.down_proj.weight", "ffn_down_shexp.weight"},
      {"mlp.shared_expert_gate.weight", "ffn_gate_inp_shexp.weight"},
  };
  const auto it = names.find(suffix);
  return it == names.end() ? "" : it->second;
}

// Checkpoint tensors that are not part of the text model Minke runs: multi-token prediction
// (Qwen3-Next's and Qwen3.5's `mtp.*`), vision and audio towers, rotary caches, FP8 scales
// (read with their weight).
bool dropped(const std::string& name) {
  for (const char* prefix :
       {"mtp.", "model.mtp.", "model.visual.", "visual.", "model.vision_tower.",
        "model.audio_tower.", "model.embed_vision.", "model.embed_audio.", "model.vision_embedder.",
        "model.multi_modal_projector."}) {
    if (name.starts_with(prefix)) return true;
  }
  return name.ends_with("_scale_inv") || name.ends_with("rotary_emb.inv_freq");
}

}  // namespace

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

std::optional<uint32_t> first_count(const json& c, std::initializer_list<const char*> keys) {
  const std::optional<double> v = first_number(c, keys);
  if (!v) return std::nullopt;
  if (!(*v >= 0 && *v <= 4294967295.0 && *v == std::floor(*v))) {
    throw Error(std::string("config.json: ") + *keys.begin() +
                " is not a whole number that fits 32 bits");
  }
  return static_cast<uint32_t>(*v);
}

std::vector<int64_t> ne_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> ne(shape.rbegin(), shape.rend());
  if (ne.empty()) ne.push_back(1);
  return ne;
}

HfConverter::HfConverter(const std::string& dir, const ConvertOptions& options)
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
  const ArchInfo arch = arch_of(config_["architectures"][0].get<std::string>());
  family_ = arch.family;
  gguf_arch_ = arch.gguf_arch;
  if (ckpt_.find("model.language_model.embed_tokens.weight") != nullptr) {
    text_prefix_ = "model.language_model.";
  }
  n_layer_ = need_int(config_, {"num_hidden_layers", "n_layers", "n_layer"});
  n_head_ = need_int(config_, {"num_attention_heads", "n_head"});
  n_head_kv_ = first_count(config_, {"num_key_value_heads"}).value_or(n_head_);
  const json& q = config_.value("quantization_config", json());
  if (q.is_object() && q.contains("quant_method")) {
    const bool gpt_oss_mxfp4 = family_ == HfFamily::GptOss && q["quant_method"] == "mxfp4";
    if (q["quant_method"] != "fp8" && !gpt_oss_mxfp4) {
      throw Error("config.json: quantization " + q["quant_method"].dump() +
                  " is not converted (Minke converts FP8 block-scaled checkpoints and "
                  "gpt-oss's MXFP4 experts)");
    }
    if (q.contains("weight_block_size") && q["weight_block_size"].is_array() &&
        q["weight_block_size"].size() == 2) {
      fp8_block_[0] = q["weight_block_size"][0].get<int64_t>();
      fp8_block_[1] = q["weight_block_size"][1].get<int64_t>();
    }
    if (fp8_block_[0] <= 0 || fp8_block_[1] <= 0) throw Error("config.json: bad weight_block_size");
  }
}

std::vector<float> HfConverter::load(const std::string& name) const {
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

void HfConverter::add_plain(const std::string& gguf, const std::string& hf, ValueFix fix) {
  const SafetensorsTensor& t = tensor(hf);
  out_.push_back({gguf, ne_of(t.shape), [this, hf, fix](const auto& sink) {
                    std::vector<float> v = load(hf);
                    if (fix) fix(v);
                    sink(v);
                  }});
}

void HfConverter::cannot_place(const std::string& hf) const {
  throw Error(dir_ + ": cannot place tensor " + hf + " (of a " + gguf_arch_ + " checkpoint)");
}

std::string HfConverter::key(const char* k) const { return std::string(gguf_arch_) + "." + k; }

int64_t HfConverter::head_dim() const {
  const int64_t d = config_.contains("head_dim") && config_["head_dim"].is_number_integer()
                        ? config_["head_dim"].get<int64_t>()
                        : need_int(config_, {"hidden_size"}) / std::max<int64_t>(1, n_head_);
  return checked_head_dim(d);
}

float f32_of(double v, const char* what) {
  if (!std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max()) {
    throw Error(std::string("config.json: ") + what + " is not a finite float");
  }
  return static_cast<float>(v);
}

double checked_fraction(double fraction) {
  if (!(fraction >= 0.0 && fraction <= 1.0)) {
    throw Error("config.json: partial_rotary_factor " + std::to_string(fraction) +
                " is not between 0 and 1");
  }
  return fraction;
}

int64_t part_of(int64_t head_dim, double fraction) {
  return static_cast<int64_t>(static_cast<double>(head_dim) * checked_fraction(fraction));
}

int64_t checked_head_dim(int64_t d) {
  if (d <= 0 || d > (1 << 16)) {
    throw Error("config.json: head size " + std::to_string(d) + " is not plausible");
  }
  return d;
}

int64_t HfConverter::rope_dims(double partial) const {
  const json r = rope_params(config_);
  const double f = r.contains("partial_rotary_factor") && r["partial_rotary_factor"].is_number()
                       ? r["partial_rotary_factor"].get<double>()
                       : first_number(config_, {"partial_rotary_factor"}).value_or(partial);
  return part_of(head_dim(), f);
}

void HfConverter::add_experts(int64_t layer, const std::string& prefix) {
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

void HfConverter::add_kv_b(int64_t layer, const std::string& hf) {
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
void HfConverter::add_rope_freqs() {
  const json r = rope_params(config_);
  if (r.value("rope_type", "") != "llama3") return;
  const int64_t dim = head_dim();
  const double base = rope_theta(config_);
  const double factor = r.value("factor", 8.0), low = r.value("low_freq_factor", 1.0);
  const double high = r.value("high_freq_factor", 4.0);
  const double old_ctx = r.value("original_max_position_embeddings", 8192.0);
  std::vector<float> f(static_cast<size_t>(dim / 2));
  for (int64_t i = 0; i < dim / 2; ++i) {
    const double freq = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(dim));
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
  out_.push_back({"rope_freqs.weight", {dim / 2}, [f](const auto& sink) { sink(f); }});
}

// A tensor of layer `layer` by its name inside the layer (`suffix`).
void HfConverter::add_layer_tensor(int64_t layer, const std::string& suffix,
                                   const std::string& hf) {
  if (family_ == HfFamily::GptOss && add_gpt_oss_tensor(layer, suffix, hf)) return;
  if (family_ == HfFamily::Gemma4 && add_gemma4_tensor(layer, suffix, hf)) return;
  if (add_linear_attention_tensor(layer, suffix, hf)) return;
  const std::string blk = "blk." + std::to_string(layer) + ".";
  std::string gguf = layer_name(suffix);
  if (gguf.empty()) cannot_place(hf);
  // Families whose pre-FFN norm llama.cpp names post_attention_norm.
  const bool post_norm = family_ == HfFamily::Glm4Moe || family_ == HfFamily::GptOss ||
                         family_ == HfFamily::Qwen3Next || family_ == HfFamily::Qwen35 ||
                         family_ == HfFamily::Qwen35Moe;
  if (post_norm && gguf == "ffn_norm.weight") gguf = "post_attention_norm.weight";
  ValueFix fix;
  const bool q = suffix.starts_with("self_attn.q_proj."),
             k = suffix.starts_with("self_attn.k_proj.");
  if (family_ == HfFamily::Llama && (q || k)) {
    const SafetensorsTensor& t = tensor(hf);
    fix = permute_rope_rows(dir_ + ": " + hf, q ? n_head_ : n_head_kv_,
                            t.shape.size() > 1 ? t.shape[1] : 1);
  }
  const bool centred_norm = family_ == HfFamily::Qwen3Next || family_ == HfFamily::Qwen35 ||
                            family_ == HfFamily::Qwen35Moe;
  if (centred_norm && gguf.ends_with("norm.weight")) {  // stored as w, used as 1 + w
    fix = [](std::vector<float>& v) {
      for (float& x : v) x += 1.0f;
    };
  }
  add_plain(blk + gguf, hf, fix);
}

GgmlType HfConverter::storage_for(const OutTensor& t, GgmlType weight_type) const {
  if (t.raw_type) return *t.raw_type;
  int n_dims = static_cast<int>(t.dims.size());
  while (n_dims > 1 && t.dims[static_cast<size_t>(n_dims) - 1] == 1) --n_dims;
  const std::string& n = t.name;
  if (n_dims <= 1 || n.ends_with("_norm.weight") || !n.ends_with(".weight") ||
      n.find("ffn_gate_inp.weight") != std::string::npos || n.ends_with("ssm_conv1d.weight")) {
    return GgmlType::F32;
  }
  if (weight_type == GgmlType::Q8_0 && t.dims[0] % 32 != 0) return GgmlType::F16;
  return weight_type;
}

// DeepSeek-V3-style routing keys (DeepSeek-V2/V3, GLM-4.5).
void HfConverter::write_routing_metadata(GgufWriter& w) const {
  const json& c = config_;
  const bool v3 = c.value("model_type", "") == "deepseek_v3" ||
                  c["architectures"][0] == "DeepseekV3ForCausalLM" || family_ == HfFamily::Glm4Moe;
  const std::string gating = c.value("scoring_func", v3 ? "sigmoid" : "softmax");
  if (gating != "softmax" && gating != "sigmoid") {
    throw Error("config.json: scoring_func " + gating + " is not converted");
  }
  w.add_u32(key("leading_dense_block_count"),
            first_count(c, {"first_k_dense_replace"})
                .value_or(c.contains("n_routed_experts") ? 0 : static_cast<uint32_t>(n_layer_)));
  w.add_u32(key("expert_shared_count"), first_count(c, {"n_shared_experts"}).value_or(0));
  if (auto v = first_number(c, {"routed_scaling_factor"})) {
    w.add_f32(key("expert_weights_scale"), f32_of(*v, "routed_scaling_factor"));
  }
  if (c.value("norm_topk_prob", false)) w.add_bool(key("expert_weights_norm"), true);
  if (auto v = first_count(c, {"n_group"})) {
    w.add_u32(key("expert_group_count"), *v);
  }
  if (auto v = first_count(c, {"topk_group"})) {
    w.add_u32(key("expert_group_used_count"), *v);
  }
  w.add_u32(key("expert_gating_func"), gating == "softmax" ? 1u : 2u);
}

void HfConverter::write_metadata(GgufWriter& w, GgmlType weight_type) const {
  const std::string a = gguf_arch_;
  const json& c = config_;
  w.add_string("general.architecture", a);
  w.add_string("general.type", "model");
  w.add_string("general.name", options_.name.empty()
                                   ? fs::path(dir_).lexically_normal().filename().string()
                                   : options_.name);
  w.add_u32(key("block_count"), static_cast<uint32_t>(n_layer_));
  if (auto v = first_count(c, {"max_position_embeddings", "n_ctx", "n_positions", "max_length"})) {
    w.add_u32(key("context_length"), *v);
  }
  w.add_u32(key("embedding_length"), static_cast<uint32_t>(need_int(c, {"hidden_size", "n_embd"})));
  w.add_u32(key("attention.head_count"), static_cast<uint32_t>(n_head_));
  const bool mla = family_ == HfFamily::DeepSeek2;
  if (family_ == HfFamily::Gemma4) {  // per-kind shapes and RoPE: hf_gemma4.cpp
    write_gemma4_metadata(w);
  } else {
    if (auto v = first_count(c, {"intermediate_size", "n_inner"})) {
      w.add_u32(key("feed_forward_length"), *v);
    }
    w.add_u32(key("attention.head_count_kv"), mla ? 1u : static_cast<uint32_t>(n_head_kv_));
    w.add_f32(key("rope.freq_base"), f32_of(rope_theta(c), "rope_theta"));
  }
  const double eps = first_number(c, {"rms_norm_eps", "norm_eps"}).value_or(1e-6);
  w.add_f32(key("attention.layer_norm_rms_epsilon"), f32_of(eps, "rms_norm_eps"));

  const json r = rope_params(c);
  const std::string rope_type = r.value("rope_type", "default");
  if (rope_type == "linear") {
    w.add_string(key("rope.scaling.type"), "linear");
    w.add_f32(key("rope.scaling.factor"), f32_of(r.value("factor", 1.0), "rope factor"));
  } else if (rope_type == "yarn") {
    w.add_string(key("rope.scaling.type"), "yarn");
    w.add_f32(key("rope.scaling.factor"), f32_of(r.value("factor", 1.0), "rope factor"));
    const std::optional<uint32_t> orig = first_count(r, {"original_max_position_embeddings"});
    if (!orig) throw Error("config.json: yarn rope scaling needs original_max_position_embeddings");
    w.add_u32(key("rope.scaling.original_context_length"), *orig);
    if (r.contains("beta_fast"))
      w.add_f32(key("rope.scaling.yarn_beta_fast"),
                f32_of(r["beta_fast"].get<double>(), "beta_fast"));
    if (r.contains("beta_slow"))
      w.add_f32(key("rope.scaling.yarn_beta_slow"),
                f32_of(r["beta_slow"].get<double>(), "beta_slow"));
    if (mla && r.contains("mscale_all_dim")) {
      w.add_f32(key("rope.scaling.yarn_log_multiplier"),
                f32_of(0.1 * r["mscale_all_dim"].get<double>(), "mscale_all_dim"));
    }
  } else if (rope_type != "default" && rope_type != "llama3") {
    throw Error("config.json: rope scaling " + rope_type + " is not converted");
  }

  if (auto v = first_count(c, {"num_local_experts", "num_experts", "n_routed_experts"})) {
    w.add_u32(key("expert_count"), *v);
  }
  if (auto v = first_count(c, {"num_experts_per_tok"})) {
    w.add_u32(key("expert_used_count"), *v);
  }
  if (auto v = first_count(c, {"moe_intermediate_size"})) {
    w.add_u32(key("expert_feed_forward_length"), *v);
  }
  if (family_ == HfFamily::Llama) {
    w.add_u32(key("vocab_size"), static_cast<uint32_t>(need_int(c, {"vocab_size"})));
    w.add_u32(key("rope.dimension_count"), static_cast<uint32_t>(head_dim()));
  }
  if (!mla && family_ != HfFamily::Gemma4 && c.contains("head_dim") &&
      c["head_dim"].is_number_integer()) {
    w.add_u32(key("attention.key_length"), static_cast<uint32_t>(head_dim()));
    w.add_u32(key("attention.value_length"), static_cast<uint32_t>(head_dim()));
  }
  if (family_ == HfFamily::Glm4Moe) {
    write_routing_metadata(w);
    w.add_u32(key("rope.dimension_count"), static_cast<uint32_t>(rope_dims(0.5)));
  }
  if (family_ == HfFamily::GptOss) write_gpt_oss_metadata(w);
  write_linear_attention_metadata(w);
  if (mla) {
    const int64_t lora = need_int(c, {"kv_lora_rank"}), rope = need_int(c, {"qk_rope_head_dim"});
    write_routing_metadata(w);
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
    w.add_u32(key("rope.dimension_count"), static_cast<uint32_t>(rope));
  }
  uint32_t file_type = 1;
  if (weight_type == GgmlType::F32) file_type = 0;
  if (weight_type == GgmlType::BF16) file_type = 32;
  if (weight_type == GgmlType::Q8_0) file_type = 7;
  w.add_u32("general.file_type", file_type);
  w.add_u32("general.quantization_version", 2);
  add_hf_tokenizer(dir_, config_, gguf_arch_, w);
}

void HfConverter::run(const std::string& out_path, const ConvertProgress& progress) {
  const std::string& tp = text_prefix_;
  add_plain("token_embd.weight", tp + "embed_tokens.weight");
  add_rope_freqs();
  if (family_ == HfFamily::Gemma4) add_gemma4_rope_freqs();
  const std::regex layer_re(R"(layers\.(\d+)\.(.+))");
  std::map<int64_t, std::map<std::string, std::string>> layers;  // layer -> suffix -> HF name
  for (const auto& [name, t] : ckpt_.tensors()) {
    if (dropped(name) || name == tp + "embed_tokens.weight" || name == tp + "norm.weight" ||
        name == "lm_head.weight") {
      continue;
    }
    std::smatch m;
    const std::string inner = name.starts_with(tp) ? name.substr(tp.size()) : "";
    if (add_gemma4_model_tensor(inner, name)) continue;
    if (!std::regex_match(inner, m, layer_re)) cannot_place(name);
    const int64_t layer = std::stoll(m[1].str());
    if (layer >= n_layer_) continue;  // DeepSeek-V3's and GLM-4.5's multi-token-prediction layers
    layers[layer][m[2].str()] = name;
  }
  for (const auto& [layer, tensors] : layers) {
    const std::string prefix = tp + "layers." + std::to_string(layer) + ".";
    bool experts_done = false;
    for (const auto& [suffix, hf] : tensors) {
      if (suffix.starts_with("mlp.experts.") && family_ != HfFamily::GptOss) {
        if (!experts_done) add_experts(layer, prefix + "mlp.");
        experts_done = true;
      } else if (suffix == "self_attn.kv_b_proj.weight") {
        add_kv_b(layer, hf);
      } else {
        add_layer_tensor(layer, suffix, hf);
      }
    }
  }
  const bool centred_norm = family_ == HfFamily::Qwen3Next || family_ == HfFamily::Qwen35 ||
                            family_ == HfFamily::Qwen35Moe;
  add_plain("output_norm.weight", tp + "norm.weight",
            centred_norm ? ValueFix([](auto& v) {
              for (float& x : v) x += 1.0f;
            })
                         : ValueFix());
  const bool tied = config_.value("tie_word_embeddings", false);
  if (ckpt_.find("lm_head.weight") != nullptr && !(tied && family_ == HfFamily::DeepSeek2)) {
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
        if (t.shape.size() < 2 || t.dtype == SafetensorsType::F8_E4M3 ||
            t.dtype == SafetensorsType::U8) {
          continue;
        }
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
      if (t.raw_type) {
        t.produce_raw(sink);
      } else {
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
      }
      if (progress) progress(t.name, type, t.dims, i, out_.size());
    });
  }
  w.write_file(out_path);
}

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
  try {
    HfConverter(dir, options).run(out_path, progress);
  } catch (const json::exception& e) {  // a value of another type than the field's
    throw Error(dir + ": config.json or tokenizer.json holds a value of the wrong type (" +
                e.what() + ")");
  }
}

}  // namespace minke
