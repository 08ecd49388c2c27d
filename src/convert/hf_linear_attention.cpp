// Qwen3-Next's and Qwen3.5's Gated DeltaNet layers for HfConverter. Facts (transformers'
// Qwen3Next / Qwen3_5 modelling; llama.cpp's conversion/qwen.py writes the same GGUF):
// - linear_attn.{conv1d [C, 1, K] -> ssm_conv1d {K, C}, A_log -> ssm_a = -exp(A_log),
//   dt_bias -> ssm_dt.bias, norm -> ssm_norm (a plain RMSNorm weight), out_proj -> ssm_out};
//   every other norm of these models is zero-centred (used as 1 + w) and written as 1 + w
//   (hf_convert.cpp);
// - Qwen3-Next fuses q, k, v and z per key head: in_proj_qkvz rows are, for each of the H_k key
//   heads, [q (d_k), k (d_k), v (r x d_v), z (r x d_v)] with r = H_v / H_k; GGUF wants
//   attn_qkv = [all q; all k; all v] and attn_gate = [all z] (value head h stays at h, read by
//   key head h / r). in_proj_ba is kept fused as ssm_ba;
// - Qwen3.5 stores in_proj_qkv ([q; k; v]), in_proj_z, in_proj_b and in_proj_a apart ->
//   attn_qkv, attn_gate, ssm_beta, ssm_alpha; its value heads come grouped by key head
//   (g x r + j) and GGUF tiles them (j x H_k + g, so head h reads key head h mod H_k): the value
//   rows of in_proj_qkv and of conv1d, the rows of in_proj_z / _b / _a, A_log, dt_bias and the
//   columns of out_proj are reordered so;
// - metadata: ssm.{conv_kernel, state_size = d_k, group_count = H_k, time_step_rank = H_v,
//   inner_size = H_v x d_v}, attention.recurrent_layers from layer_types, full_attention_interval,
//   rope.dimension_count = head_dim x partial_rotary_factor (0.25 by default),
//   expert_shared_feed_forward_length; Qwen3.5 adds rope.dimension_sections (its text positions
//   make the multi-section RoPE plain NeoX).
#include <cmath>
#include <string>
#include <vector>

#include "convert/hf_converter.h"
#include "gguf/gguf_writer.h"
#include "minke/error.h"

namespace minke {
namespace {

struct LinearShape {
  int64_t n_k = 0, n_v = 0, d_k = 0, d_v = 0;
  int64_t ratio() const { return n_v / n_k; }
};

LinearShape linear_shape(const nlohmann::json& c) {
  LinearShape s{need_int(c, {"linear_num_key_heads"}), need_int(c, {"linear_num_value_heads"}),
                need_int(c, {"linear_key_head_dim"}), need_int(c, {"linear_value_head_dim"})};
  if (s.n_k == 0 || s.n_v % s.n_k != 0) {
    throw Error("config.json: linear_num_value_heads is not a multiple of linear_num_key_heads");
  }
  constexpr int64_t kMax = 1 << 16;  // far past any model; keeps the products below exact
  if (s.n_k > kMax || s.n_v > kMax || s.d_k > kMax || s.d_v > kMax) {
    throw Error("config.json: implausible linear-attention head counts or sizes");
  }
  return s;
}

// Reorders value-head blocks of `hd` rows (each `row` floats), starting at row `first`, from
// grouped by key head (g x r + j) to tiled (j x n_k + g).
void tile_value_rows(std::vector<float>& v, int64_t row, int64_t first, const LinearShape& s,
                     int64_t hd) {
  const int64_t r = s.ratio(), block = hd * row;
  std::vector<float> tmp(static_cast<size_t>(s.n_v * block));
  const auto base = v.begin() + first * row;
  for (int64_t g = 0; g < s.n_k; ++g) {
    for (int64_t j = 0; j < r; ++j) {
      std::copy_n(base + (g * r + j) * block, block, tmp.begin() + (j * s.n_k + g) * block);
    }
  }
  std::copy(tmp.begin(), tmp.end(), base);
}

// The same reorder over the columns of a [rows, n_v x hd] matrix (out_proj).
void tile_value_columns(std::vector<float>& v, const LinearShape& s, int64_t hd) {
  const int64_t cols = s.n_v * hd, rows = static_cast<int64_t>(v.size()) / cols, r = s.ratio();
  std::vector<float> line(static_cast<size_t>(cols));
  for (int64_t i = 0; i < rows; ++i) {
    const auto src = v.begin() + i * cols;
    for (int64_t g = 0; g < s.n_k; ++g) {
      for (int64_t j = 0; j < r; ++j) {
        std::copy_n(src + (g * r + j) * hd, hd, line.begin() + (j * s.n_k + g) * hd);
      }
    }
    std::copy(line.begin(), line.end(), src);
  }
}

}  // namespace

bool HfConverter::add_linear_attention_tensor(int64_t layer, const std::string& suffix,
                                              const std::string& hf) {
  const bool next = family_ == HfFamily::Qwen3Next;
  if ((!next && family_ != HfFamily::Qwen35 && family_ != HfFamily::Qwen35Moe) ||
      !suffix.starts_with("linear_attn.")) {
    return false;
  }
  const LinearShape s = linear_shape(config_);
  const int64_t n_embd = need_int(config_, {"hidden_size"});
  const std::string blk = "blk." + std::to_string(layer) + ".";
  const std::string what = suffix.substr(std::string("linear_attn.").size());
  const SafetensorsTensor& t = tensor(hf);
  const bool tile = !next && s.ratio() > 1;  // Qwen3.5's grouped value heads, tiled for GGUF
  const int64_t qk_rows = 2 * s.n_k * s.d_k;
  const auto expect = [&](std::vector<int64_t> shape) {
    if (t.shape != shape)
      throw Error(dir_ + ": " + hf + " does not have the shape config.json gives");
  };
  if (what == "in_proj_qkvz.weight" && next) {
    const int64_t group = 2 * s.d_k + 2 * s.ratio() * s.d_v;  // one key head's rows
    expect({s.n_k * group, n_embd});
    const auto add_part = [&](const std::string& gguf, int64_t rows, bool z) {
      out_.push_back({gguf, {n_embd, rows}, [=, this](const OutTensor::FloatSink& sink) {
                        const std::vector<float> w = load(hf);
                        const int64_t rv = s.ratio() * s.d_v;
                        std::vector<float> out;
                        out.reserve(static_cast<size_t>(rows * n_embd));
                        // Parts in order: q, k, v (attn_qkv) or z (attn_gate), each over heads.
                        const auto take = [&](int64_t offset, int64_t n) {
                          for (int64_t g = 0; g < s.n_k; ++g) {
                            const auto from = w.begin() + (g * group + offset) * n_embd;
                            out.insert(out.end(), from, from + n * n_embd);
                          }
                        };
                        if (z) {
                          take(2 * s.d_k + rv, rv);
                        } else {
                          take(0, s.d_k);
                          take(s.d_k, s.d_k);
                          take(2 * s.d_k, rv);
                        }
                        sink(out);
                      }});
    };
    add_part(blk + "attn_qkv.weight", qk_rows + s.n_v * s.d_v, false);
    add_part(blk + "attn_gate.weight", s.n_v * s.d_v, true);
  } else if (what == "in_proj_ba.weight" && next) {
    add_plain(blk + "ssm_ba.weight", hf);
  } else if (what == "in_proj_qkv.weight" && !next) {
    expect({qk_rows + s.n_v * s.d_v, n_embd});
    add_plain(blk + "attn_qkv.weight", hf,
              tile ? ValueFix([=](std::vector<float>& v) {
                tile_value_rows(v, n_embd, qk_rows, s, s.d_v);
              })
                   : ValueFix());
  } else if ((what == "in_proj_z.weight" || what == "in_proj_b.weight" ||
              what == "in_proj_a.weight") &&
             !next) {
    const bool z = what == "in_proj_z.weight";
    const int64_t hd = z ? s.d_v : 1;
    expect({s.n_v * hd, n_embd});
    const std::string gguf = z                            ? "attn_gate.weight"
                             : what == "in_proj_b.weight" ? "ssm_beta.weight"
                                                          : "ssm_alpha.weight";
    add_plain(blk + gguf, hf,
              tile ? ValueFix([=](std::vector<float>& v) { tile_value_rows(v, n_embd, 0, s, hd); })
                   : ValueFix());
  } else if (what == "conv1d.weight") {
    const int64_t channels = qk_rows + s.n_v * s.d_v;
    const int64_t kernel = need_int(config_, {"linear_conv_kernel_dim"});
    expect({channels, 1, kernel});
    out_.push_back({blk + "ssm_conv1d.weight",
                    {kernel, channels},
                    [=, this](const OutTensor::FloatSink& sink) {
                      std::vector<float> v = load(hf);
                      if (tile) tile_value_rows(v, kernel, qk_rows, s, s.d_v);
                      sink(v);
                    }});
  } else if (what == "A_log" || what == "dt_bias") {
    expect({s.n_v});
    const bool a = what == "A_log";
    add_plain(blk + (a ? "ssm_a" : "ssm_dt.bias"), hf, [=](std::vector<float>& v) {
      if (tile) tile_value_rows(v, 1, 0, s, 1);
      if (a) {
        for (float& x : v) x = -std::exp(x);
      }
    });
  } else if (what == "norm.weight") {
    add_plain(blk + "ssm_norm.weight", hf);
  } else if (what == "out_proj.weight") {
    expect({n_embd, s.n_v * s.d_v});
    add_plain(blk + "ssm_out.weight", hf,
              tile ? ValueFix([=](std::vector<float>& v) { tile_value_columns(v, s, s.d_v); })
                   : ValueFix());
  } else {
    cannot_place(hf);
  }
  return true;
}

void HfConverter::write_linear_attention_metadata(GgufWriter& w) const {
  const bool next = family_ == HfFamily::Qwen3Next;
  if (!next && family_ != HfFamily::Qwen35 && family_ != HfFamily::Qwen35Moe) return;
  const nlohmann::json& c = config_;
  const LinearShape s = linear_shape(c);
  w.add_u32(key("ssm.conv_kernel"), static_cast<uint32_t>(need_int(c, {"linear_conv_kernel_dim"})));
  w.add_u32(key("ssm.state_size"), static_cast<uint32_t>(s.d_k));
  w.add_u32(key("ssm.group_count"), static_cast<uint32_t>(s.n_k));
  w.add_u32(key("ssm.time_step_rank"), static_cast<uint32_t>(s.n_v));
  w.add_u32(key("ssm.inner_size"), static_cast<uint32_t>(s.n_v * s.d_v));
  w.add_u32(key("full_attention_interval"),
            first_count(c, {"full_attention_interval"}).value_or(4));
  std::vector<uint8_t> recurrent;
  if (c.contains("layer_types") && c["layer_types"].is_array()) {
    for (const auto& type : c["layer_types"]) {
      if (type != "linear_attention" && type != "full_attention") {
        throw Error("config.json: layer type " + type.dump() + " is not converted");
      }
      recurrent.push_back(type == "linear_attention" ? 1 : 0);
    }
    if (static_cast<int64_t>(recurrent.size()) != n_layer_) {
      throw Error("config.json: layer_types does not have num_hidden_layers entries");
    }
    std::vector<GgufWriteValue> flags;
    for (const uint8_t r : recurrent) flags.push_back(GgufWriteValue::boolean(r != 0));
    w.add(key("attention.recurrent_layers"), GgufWriteValue::array(GgufValueType::BOOL, flags));
  }
  w.add_u32(key("rope.dimension_count"), static_cast<uint32_t>(rope_dims(0.25)));
  if (auto v = first_count(c, {"shared_expert_intermediate_size"})) {
    w.add_u32(key("expert_shared_feed_forward_length"), *v);
  }
  if (c.contains("num_experts")) {
    if (!c.value("norm_topk_prob", true)) {
      throw Error("config.json: norm_topk_prob false is not converted (the GGUF routing of " +
                  std::string(gguf_arch_) + " renormalises the chosen experts)");
    }
    if (c.value("decoder_sparse_step", 1) != 1 ||
        (c.contains("mlp_only_layers") && !c["mlp_only_layers"].empty())) {
      throw Error(
          "config.json: dense layers among the experts (decoder_sparse_step, "
          "mlp_only_layers) are not converted");
    }
  }
  if (!next) {
    std::vector<int32_t> sections = {11, 11, 10, 0};
    const nlohmann::json& rp = c.value("rope_parameters", nlohmann::json::object());
    if (rp.is_object() && rp.contains("mrope_section") && rp["mrope_section"].is_array()) {
      sections = rp["mrope_section"].get<std::vector<int32_t>>();
      sections.resize(4, 0);
    }
    w.add(key("rope.dimension_sections"),
          GgufWriteValue::array_of(std::span<const int32_t>(sections)));
  }
}

}  // namespace minke
