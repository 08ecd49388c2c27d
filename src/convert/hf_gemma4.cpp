// Gemma 4's tensors and metadata for HfConverter. Facts (transformers' Gemma4 modelling;
// llama.cpp's conversion/gemma.py Gemma4Model and gguf-py's tensor map write the same GGUF):
// - norms stored as used (no +1, unlike Gemma 3); input_layernorm -> attn_norm,
//   post_attention_layernorm -> post_attention_norm, pre_feedforward_layernorm -> ffn_norm,
//   post_feedforward_layernorm -> post_ffw_norm, and for the 26B-A4B mixture
//   pre_feedforward_layernorm_2 -> pre_ffw_norm_2, post_feedforward_layernorm_1 / _2 ->
//   post_ffw_norm_1 / _2, router.proj -> ffn_gate_inp.weight, router.scale -> ffn_gate_inp.scale,
//   router.per_expert_scale -> ffn_down_exps.scale, experts.gate_up_proj [E, 2 x n_ff, n_embd]
//   (gate rows, then up rows) -> ffn_gate_up_exps, experts.down_proj -> ffn_down_exps;
//   layer_scalar -> layer_output_scale; per-layer inputs: embed_tokens_per_layer ->
//   per_layer_token_embd, per_layer_model_projection -> per_layer_model_proj,
//   per_layer_projection_norm -> per_layer_proj_norm, per_layer_input_gate -> inp_gate,
//   per_layer_projection -> proj, post_per_layer_input_norm -> post_norm. Layers that read an
//   earlier layer's KV have no k/v projections; global layers with K = V have no v_proj.
// - metadata: key/value_length the global layers' head size (per_layer_config or
//   global_head_dim), *_swa the sliding ones'; head_count_kv an array when the global layers
//   have their own KV head count; feed_forward_length an array when use_double_wide_mlp doubles
//   the KV-sharing layers' MLP; sliding_window_pattern from layer_types; shared_kv_layers;
//   embedding_length_per_layer_input; rope.freq_base (global) and rope.freq_base_swa;
//   rope.dimension_count the global head size and rope_freqs.weight 1 on the first
//   head x partial_rotary_factor / 2 pairs and 1e30 (unrotated) on the rest ("proportional"
//   RoPE); rope.dimension_count_swa; final_logit_softcapping when set; expert_used_count from
//   top_k_experts.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "convert/hf_converter.h"
#include "gguf/gguf_writer.h"
#include "minke/error.h"

namespace minke {
namespace {

using nlohmann::json;

// A per_layer_config entry's `key` for the first full-attention layer, else `global_key`.
std::optional<int64_t> global_layer_value(const json& c, const char* global_key, const char* key) {
  if (c.contains(global_key) && c[global_key].is_number_integer()) {
    return c[global_key].get<int64_t>();
  }
  const json& per_layer = c.value("per_layer_config", json());
  const json& types = c.value("layer_types", json());
  if (!per_layer.is_object() || !types.is_array()) return std::nullopt;
  for (const auto& [index, entry] : per_layer.items()) {
    if (index.empty() || index.size() > 6 ||
        index.find_first_not_of("0123456789") != std::string::npos) {
      throw Error("config.json: per_layer_config key \"" + index + "\" is not a layer index");
    }
    const size_t il = std::stoul(index);
    if (il < types.size() && types[il] == "full_attention" && entry.is_object() &&
        entry.contains(key)) {
      return entry[key].get<int64_t>();
    }
  }
  return std::nullopt;
}

json full_rope(const json& c) {
  const json r = c.value("rope_parameters", json::object());
  return r.is_object() && r.contains("full_attention") ? r["full_attention"] : json::object();
}

}  // namespace

bool HfConverter::add_gemma4_model_tensor(const std::string& inner, const std::string& hf) {
  static const std::map<std::string, std::string> names = {
      {"embed_tokens_per_layer.weight", "per_layer_token_embd.weight"},
      {"per_layer_model_projection.weight", "per_layer_model_proj.weight"},
      {"per_layer_projection_norm.weight", "per_layer_proj_norm.weight"},
  };
  const auto it = names.find(inner);
  if (family_ != HfFamily::Gemma4 || it == names.end()) return false;
  add_plain(it->second, hf);
  return true;
}

bool HfConverter::add_gemma4_tensor(int64_t layer, const std::string& suffix,
                                    const std::string& hf) {
  static const std::map<std::string, std::string> names = {
      {"post_attention_layernorm.weight", "post_attention_norm.weight"},
      {"pre_feedforward_layernorm.weight", "ffn_norm.weight"},
      {"post_feedforward_layernorm.weight", "post_ffw_norm.weight"},
      {"pre_feedforward_layernorm_2.weight", "pre_ffw_norm_2.weight"},
      {"post_feedforward_layernorm_1.weight", "post_ffw_norm_1.weight"},
      {"post_feedforward_layernorm_2.weight", "post_ffw_norm_2.weight"},
      {"router.proj.weight", "ffn_gate_inp.weight"},
      {"router.scale", "ffn_gate_inp.scale"},
      {"router.per_expert_scale", "ffn_down_exps.scale"},
      {"experts.gate_up_proj", "ffn_gate_up_exps.weight"},
      {"experts.down_proj", "ffn_down_exps.weight"},
      {"layer_scalar", "layer_output_scale.weight"},
      {"per_layer_input_gate.weight", "inp_gate.weight"},
      {"per_layer_projection.weight", "proj.weight"},
      {"post_per_layer_input_norm.weight", "post_norm.weight"},
  };
  const auto it = names.find(suffix);
  if (it == names.end()) return false;  // attention, the dense MLP, input_layernorm: common names
  add_plain("blk." + std::to_string(layer) + "." + it->second, hf);
  return true;
}

void HfConverter::add_gemma4_rope_freqs() {
  const json full = full_rope(config_);
  if (full.value("rope_type", "default") != "proportional") return;
  const int64_t dim = gemma4_global_head_dim();
  const double partial = checked_fraction(full.value("partial_rotary_factor", 1.0));
  // llama.cpp's count: int(head x factor / 2)
  const auto rotated = static_cast<int64_t>(static_cast<double>(dim) * partial / 2.0);
  std::vector<float> f(static_cast<size_t>(dim / 2), 1e30f);
  std::fill_n(f.begin(), std::min(rotated, dim / 2), 1.0f);
  out_.push_back({"rope_freqs.weight", {dim / 2}, [f](const auto& sink) { sink(f); }});
}

int64_t HfConverter::gemma4_global_head_dim() const {
  const std::optional<int64_t> d = global_layer_value(config_, "global_head_dim", "head_dim");
  return d ? checked_head_dim(*d) : head_dim();
}

void HfConverter::write_gemma4_metadata(GgufWriter& w) const {
  const json& c = config_;
  const json& types = c.value("layer_types", json());
  if (!types.is_array() || static_cast<int64_t>(types.size()) != n_layer_) {
    throw Error("config.json: Gemma 4 needs layer_types for its num_hidden_layers layers");
  }
  std::vector<uint8_t> swa;
  for (const json& t : types) swa.push_back(t == "sliding_attention" ? 1 : 0);
  std::vector<GgufWriteValue> pattern;
  for (const uint8_t s : swa) pattern.push_back(GgufWriteValue::boolean(s != 0));
  w.add(key("attention.sliding_window_pattern"),
        GgufWriteValue::array(GgufValueType::BOOL, pattern));
  w.add_u32(key("attention.sliding_window"),
            static_cast<uint32_t>(need_int(c, {"sliding_window"})));
  const int64_t n_shared = first_count(c, {"num_kv_shared_layers"}).value_or(0);
  w.add_u32(key("attention.shared_kv_layers"), static_cast<uint32_t>(n_shared));
  w.add_u32(key("embedding_length_per_layer_input"),
            first_count(c, {"hidden_size_per_layer_input"}).value_or(0));

  const int64_t hd_full = gemma4_global_head_dim(), hd_swa = head_dim();
  w.add_u32(key("attention.key_length"), static_cast<uint32_t>(hd_full));
  w.add_u32(key("attention.value_length"), static_cast<uint32_t>(hd_full));
  w.add_u32(key("attention.key_length_swa"), static_cast<uint32_t>(hd_swa));
  w.add_u32(key("attention.value_length_swa"), static_cast<uint32_t>(hd_swa));

  const int64_t kv_full = global_layer_value(c, "num_global_key_value_heads", "num_key_value_heads")
                              .value_or(n_head_kv_);
  if (kv_full != n_head_kv_) {
    std::vector<int32_t> kv;
    for (const uint8_t s : swa) kv.push_back(static_cast<int32_t>(s ? n_head_kv_ : kv_full));
    w.add(key("attention.head_count_kv"), GgufWriteValue::array_of(std::span<const int32_t>(kv)));
  } else {
    w.add_u32(key("attention.head_count_kv"), static_cast<uint32_t>(n_head_kv_));
  }
  const int64_t n_ff = need_int(c, {"intermediate_size"});
  if (c.value("use_double_wide_mlp", false)) {
    std::vector<int32_t> ff;
    for (int64_t il = 0; il < n_layer_; ++il) {
      ff.push_back(static_cast<int32_t>(il < n_layer_ - n_shared ? n_ff : 2 * n_ff));
    }
    w.add(key("feed_forward_length"), GgufWriteValue::array_of(std::span<const int32_t>(ff)));
  } else {
    w.add_u32(key("feed_forward_length"), static_cast<uint32_t>(n_ff));
  }

  const json& rp = c.value("rope_parameters", json::object());
  const json full = full_rope(c);
  const json& sliding =
      rp.is_object() && rp.contains("sliding_attention") ? rp["sliding_attention"] : json::object();
  w.add_f32(key("rope.freq_base"), f32_of(full.value("rope_theta", 1e6), "rope_theta"));
  w.add_f32(key("rope.freq_base_swa"), f32_of(sliding.value("rope_theta", 1e4), "rope_theta"));
  w.add_u32(key("rope.dimension_count"), static_cast<uint32_t>(hd_full));
  w.add_u32(key("rope.dimension_count_swa"),
            static_cast<uint32_t>(part_of(hd_swa, sliding.value("partial_rotary_factor", 1.0))));
  if (auto v = first_number(c, {"final_logit_softcapping"}); v && *v != 0) {
    w.add_f32(key("final_logit_softcapping"), f32_of(*v, "final_logit_softcapping"));
  }
  if (auto v = first_count(c, {"top_k_experts"})) {
    w.add_u32(key("expert_used_count"), *v);
  }
}

}  // namespace minke
