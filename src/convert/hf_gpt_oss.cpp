// gpt-oss's tensors for HfConverter. Facts (transformers' GptOss modelling and OpenAI's
// checkpoint layout; llama.cpp's conversion/gpt_oss.py writes the same GGUF):
// - self_attn.sinks -> attn_sinks.weight; mlp.router.{weight,bias} -> ffn_gate_inp.*;
//   post_attention_layernorm -> post_attention_norm (hf_convert.cpp);
// - the experts are fused 3-D tensors with the input dimension second: gate_up_proj
//   [E, n_embd, 2 x n_ff] holds gate and up interleaved along its last axis (gate = even columns,
//   up = odd), down_proj [E, n_ff, n_embd]; their biases [E, 2 x n_ff] and [E, n_embd] likewise.
//   GGUF wants rows of inputs: ffn_{gate,up}_exps {n_embd, n_ff, E}, ffn_down_exps
//   {n_ff, n_embd, E}, biases {n_ff, E} and {n_embd, E};
// - OpenAI's release stores the expert weights as MXFP4 instead: `<name>_blocks`
//   [E, rows, cols / 32, 16] (byte i of a block: element 2i in the low nibble, 2i + 1 in the
//   high) and `<name>_scales` [E, rows, cols / 32] (E8M0: 2^(s - 127)), rows being the outputs.
//   GGUF's MXFP4 block is the scale byte then 16 bytes with element j low and j + 16 high, the
//   same scale and code values: repacked byte for byte, never requantized, whatever --outtype;
// - metadata: sliding_window (every even layer slides; llama.cpp's pattern), expert feed-forward
//   length = intermediate_size, YaRN from rope_parameters (hf_convert.cpp).
#include <cmath>
#include <cstring>

#include "convert/hf_converter.h"
#include "gguf/gguf_writer.h"
#include "minke/error.h"

namespace minke {
namespace {

constexpr int64_t kMxfp4Block = 32;
constexpr size_t kMxfp4BlockBytes = 17;

// One 32-value MXFP4 block from OpenAI's layout to GGUF's.
void repack_mxfp4_block(uint8_t scale, const uint8_t* hf, uint8_t* out) {
  uint8_t code[kMxfp4Block];
  for (int i = 0; i < 16; ++i) {
    code[2 * i] = hf[i] & 0x0F;
    code[2 * i + 1] = hf[i] >> 4;
  }
  out[0] = scale;
  for (int j = 0; j < 16; ++j) out[1 + j] = static_cast<uint8_t>(code[j] | code[j + 16] << 4);
}

}  // namespace

bool HfConverter::add_gpt_oss_tensor(int64_t layer, const std::string& suffix,
                                     const std::string& hf) {
  const std::string blk = "blk." + std::to_string(layer) + ".";
  if (suffix == "self_attn.sinks") {
    add_plain(blk + "attn_sinks.weight", hf);
    return true;
  }
  if (suffix == "mlp.router.weight" || suffix == "mlp.router.bias") {
    add_plain(blk + "ffn_gate_inp." + suffix.substr(suffix.rfind('.') + 1), hf);
    return true;
  }
  if (!suffix.starts_with("mlp.experts.")) return false;
  const std::string what = suffix.substr(std::strlen("mlp.experts."));
  const SafetensorsTensor& t = tensor(hf);
  const auto need_rank = [&](size_t rank) {
    if (t.shape.size() != rank) {
      throw Error(dir_ + ": " + hf + " has " + std::to_string(t.shape.size()) +
                  " dimensions, expected " + std::to_string(rank));
    }
  };
  // A fused [E, in, 2 x out] (or bias [E, 2 x out]) tensor's even or odd outputs, or all of a
  // [E, in, out] one (step 1), as GGUF rows.
  const auto add_split = [&](const std::string& gguf, int64_t step, int64_t first) {
    const bool bias = t.shape.size() == 2;
    const int64_t n_exp = t.shape[0], in = bias ? 1 : t.shape[1], cols = t.shape.back();
    if (cols % step != 0) throw Error(dir_ + ": " + hf + " does not split into gate and up");
    const int64_t out = cols / step;
    std::vector<int64_t> ne =
        bias ? std::vector<int64_t>{out, n_exp} : std::vector<int64_t>{in, out, n_exp};
    out_.push_back({gguf, ne, [=, this](const OutTensor::FloatSink& sink) {
                      const std::vector<float> v = load(hf);
                      std::vector<float> rows(static_cast<size_t>(in * out));
                      for (int64_t e = 0; e < n_exp; ++e) {  // rows[o][i] = v[e][i][step*o+first]
                        for (int64_t o = 0; o < out; ++o) {
                          for (int64_t i = 0; i < in; ++i) {
                            rows[static_cast<size_t>(o * in + i)] =
                                v[static_cast<size_t>((e * in + i) * cols + step * o + first)];
                          }
                        }
                        sink(rows);
                      }
                    }});
  };
  // OpenAI's MXFP4 pair for rows first, first + step, ... of each expert.
  const auto add_mxfp4 = [&](const std::string& gguf, const std::string& scales_name, int64_t step,
                             int64_t first) {
    need_rank(4);
    const SafetensorsTensor& s = tensor(scales_name);
    const int64_t n_exp = t.shape[0], rows = t.shape[1], nb = t.shape[2];
    if (t.shape[3] != 16 || s.shape != std::vector<int64_t>{n_exp, rows, nb} ||
        t.dtype != SafetensorsType::U8 || s.dtype != SafetensorsType::U8 || rows % step != 0) {
      throw Error(dir_ + ": " + hf + " and " + scales_name +
                  " are not MXFP4 blocks [E, rows, cols/32, 16] of U8 with scales [E, rows, "
                  "cols/32]");
    }
    const int64_t out = rows / step;
    out_.push_back({.name = gguf,
                    .dims = {nb * kMxfp4Block, out, n_exp},
                    .produce = {},
                    .raw_type = GgmlType::MXFP4,
                    .produce_raw = [=, this](const OutTensor::ByteSink& sink) {
                      const SafetensorsTensor& b = tensor(hf);
                      const SafetensorsTensor& sc = tensor(scales_name);
                      std::vector<uint8_t> bytes(static_cast<size_t>(out * nb) * kMxfp4BlockBytes);
                      for (int64_t e = 0; e < n_exp; ++e) {
                        for (int64_t o = 0; o < out; ++o) {
                          const int64_t r = e * rows + step * o + first;
                          for (int64_t k = 0; k < nb; ++k) {
                            repack_mxfp4_block(
                                sc.data[static_cast<size_t>(r * nb + k)],
                                b.data.data() + static_cast<size_t>((r * nb + k) * 16),
                                bytes.data() + static_cast<size_t>(o * nb + k) * kMxfp4BlockBytes);
                          }
                        }
                        sink(bytes);
                      }
                    }});
  };
  const std::string exps = blk + "ffn_";
  if (what == "gate_up_proj" || what == "gate_up_proj_bias") {
    need_rank(what == "gate_up_proj" ? 3 : 2);
    const std::string kind = what == "gate_up_proj" ? "_exps.weight" : "_exps.bias";
    add_split(exps + "gate" + kind, 2, 0);
    add_split(exps + "up" + kind, 2, 1);
  } else if (what == "down_proj" || what == "down_proj_bias") {
    need_rank(what == "down_proj" ? 3 : 2);
    add_split(exps + (what == "down_proj" ? "down_exps.weight" : "down_exps.bias"), 1, 0);
  } else if (what == "gate_up_proj_blocks") {
    add_mxfp4(exps + "gate_exps.weight", hf.substr(0, hf.size() - 7) + "_scales", 2, 0);
    add_mxfp4(exps + "up_exps.weight", hf.substr(0, hf.size() - 7) + "_scales", 2, 1);
  } else if (what == "down_proj_blocks") {
    add_mxfp4(exps + "down_exps.weight", hf.substr(0, hf.size() - 7) + "_scales", 1, 0);
  } else if (what != "gate_up_proj_scales" && what != "down_proj_scales") {  // read with blocks
    cannot_place(hf);
  }
  return true;
}

void HfConverter::write_gpt_oss_metadata(GgufWriter& w) const {
  w.add_u32(key("attention.sliding_window"),
            static_cast<uint32_t>(need_int(config_, {"sliding_window"})));
  w.add_u32(key("expert_feed_forward_length"),
            static_cast<uint32_t>(need_int(config_, {"intermediate_size"})));
  if (config_.contains("layer_types") && config_["layer_types"].is_array()) {
    size_t il = 0;
    for (const auto& t : config_["layer_types"]) {  // llama.cpp fixes the pattern: check it
      const std::string want = il++ % 2 == 0 ? "sliding_attention" : "full_attention";
      if (t != want) {
        throw Error(
            "config.json: gpt-oss layer_types must alternate sliding_attention and "
            "full_attention (layer " +
            std::to_string(il - 1) + " is " + t.dump() + ")");
      }
    }
  }
  const double limit = first_number(config_, {"swiglu_limit"}).value_or(7.0);
  const double alpha = first_number(config_, {"swiglu_alpha"}).value_or(1.702);
  if (limit != 7.0 || std::abs(alpha - 1.702) > 1e-6) {
    throw Error("config.json: gpt-oss with swiglu_limit " + std::to_string(limit) +
                " / swiglu_alpha " + std::to_string(alpha) + " (GGUF fixes them at 7 and 1.702)");
  }
}

}  // namespace minke
