// DeepSeek-V2/V3/R1 (DeepSeek-AI 2024) as GGUF names it ("deepseek2"; also DeepSeek-V2-Lite,
// V3.1, Kimi-K2, Moonlight): pre-norm decoder with Multi-head Latent Attention and DeepSeekMoE.
//
// MLA: the query comes from x directly (V2-Lite) or through a low-rank bottleneck with its own
// norm (q_lora_rank); keys and values come from one compressed latent c = norm(W_dkv x) of
// kv_lora_rank values plus one RoPE key k_pe shared by all heads. Each head's query and key are
// a "nope" part and a RoPE part. The cache keeps only [c | k_pe] per token (KvLayout latent):
// attention runs in the absorbed form, each head's nope query folded through its key
// up-projection (W_uk^T q_nope, kv_lora_rank values), scores against the cached rows, and the
// value up-projection W_uv applied to the attended latent afterwards. Published GGUFs carry the
// up-projections split per head (attn_k_b, attn_v_b; current llama.cpp converters) or fused
// (attn_kv_b; older files): both load, the fused one rearranged once at load.
//
// DeepSeekMoE: leading_dense_block_count dense SwiGLU layers, then routed experts (softmax
// gating for V2, sigmoid with a selection bias and group-limited choice for V3) plus shared
// experts. YaRN RoPE scaling with its attention-scale correction, as DeepSeek's configs use.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "minke/error.h"
#include "models/architectures.h"
#include "models/blocks/decoder.h"
#include "models/blocks/ffn.h"
#include "models/blocks/moe.h"

namespace minke {
namespace {

// The MLA shapes (per head, except the latent).
struct MlaShape {
  int32_t n_head = 0;
  int32_t q_lora = 0;  // 0: no low-rank query
  int32_t kv_lora = 0;
  int32_t qk_nope = 0;
  int32_t qk_rope = 0;
  int32_t v_dim = 0;
  int32_t qk_dim() const { return qk_nope + qk_rope; }
  int32_t latent() const { return kv_lora + qk_rope; }
};

struct MlaWeights {
  std::optional<WeightView> q;         // attn_q [n_head * qk_dim, n_embd] (no q_lora)
  std::optional<WeightView> q_a;       // attn_q_a [q_lora, n_embd]
  std::optional<WeightView> q_a_norm;  // [q_lora]
  std::optional<WeightView> q_b;       // attn_q_b [n_head * qk_dim, q_lora]
  WeightView kv_a;                     // attn_kv_a_mqa [kv_lora + qk_rope, n_embd]
  WeightView kv_a_norm;                // [kv_lora]
  std::vector<WeightView> k_b;         // per head [kv_lora, qk_nope]: W_uk^T
  std::vector<WeightView> v_b;         // per head [v_dim, kv_lora]: W_uv
  WeightView o;                        // attn_output [n_embd, n_head * v_dim]
};

class DeepSeek2 final : public DecoderModel {
 public:
  DeepSeek2(const GgufFile& file, Backend& backend);

  KvLayout kv_layout() const override { return {.latent_dim = mla_.latent()}; }
  void forward(const Batch& batch, KvCache& kv, std::span<float> logits) override;

 private:
  struct Layer {
    WeightView attn_norm;  // [n_embd]
    MlaWeights attn;
    WeightView ffn_norm;  // [n_embd]
    FeedForward ffn;
  };

  void read_shape(const GgufFile& f);
  MlaWeights bind_mla(int32_t il);
  // The up-projections from the fused attn_kv_b [n_head * (qk_nope + v_dim), kv_lora]: the
  // value rows are used in place; the key rows are transposed into f32 copies held here.
  void bind_fused_kv_b(int32_t il, MlaWeights& w);
  Tensor attention(const Tensor& x, const MlaWeights& w, const KvStore& store);

  MlaShape mla_;
  RopeParams rope_;
  float kq_scale_ = 0.0f;
  RouteParams route_;
  std::vector<Layer> layers_;
  std::vector<std::vector<float>> k_b_f32_;  // transposed key up-projections (fused files)
  ExpertRouting routing_;
};

void DeepSeek2::read_shape(const GgufFile& f) {
  const ModelConfig& c = config();
  mla_.n_head = c.n_head;
  mla_.q_lora = arch_count(f, "attention.q_lora_rank", 0);
  mla_.kv_lora = arch_count(f, "attention.kv_lora_rank", 0);
  mla_.qk_rope = hp_.rope_n_dims;
  // Files with split up-projections give the per-head sizes as key/value_length_mla
  // (key/value_length then describe the absorbed MQA form); older ones as key/value_length.
  const int32_t qk_dim = arch_count(f, "attention.key_length_mla", c.head_dim);
  mla_.v_dim = arch_count(f, "attention.value_length_mla", hp_.value_length);
  mla_.qk_nope = qk_dim - mla_.qk_rope;
  if (mla_.latent() > kMaxMlaWidth) {
    throw Error(f.path() + ": kv_lora_rank " + std::to_string(mla_.kv_lora) + " + RoPE " +
                std::to_string(mla_.qk_rope) + " exceeds the " + std::to_string(kMaxMlaWidth) +
                "-value latent rows Minke supports");
  }
  if (mla_.kv_lora <= 0 || mla_.qk_nope <= 0 || mla_.v_dim <= 0) {
    throw Error(f.path() + ": deepseek2 needs attention.kv_lora_rank > 0 and key sizes above the " +
                "RoPE dimension (kv_lora_rank " + std::to_string(mla_.kv_lora) + ", key " +
                std::to_string(qk_dim) + ", rope " + std::to_string(mla_.qk_rope) + ", value " +
                std::to_string(mla_.v_dim) + ")");
  }
}

DeepSeek2::DeepSeek2(const GgufFile& file, Backend& backend) : DecoderModel(file, backend) {
  read_shape(file);
  route_ = read_expert_routing(file, config(), Gating::kSoftmax);
  ModelConfig& c = hp_.config;
  c.head_dim = mla_.qk_dim();
  c.q_lora_rank = mla_.q_lora;
  c.kv_lora_rank = mla_.kv_lora;
  c.qk_rope_dim = mla_.qk_rope;
  c.v_head_dim = mla_.v_dim;
  rope_ = rope(RopeMode::kNormal, hp_.rope_freq_base, hp_.rope_freq_scale);
  // The attention scale 1/sqrt(qk_dim), times YaRN's mscale^2 with mscale = 0.1 * mscale_all_dim
  // * ln(factor) + 1 (the file stores 0.1 * mscale_all_dim). RoPE itself is scaled by
  // mscale(factor, mscale) / mscale(factor, mscale_all_dim) in DeepSeek's YarnRotaryEmbedding:
  // 1, as every published config sets mscale = mscale_all_dim (and GGUF keeps only the latter),
  // so the kernel's own YaRN correction is cancelled, as llama.cpp does.
  const float ln = std::log(1.0f / hp_.rope_freq_scale);
  const float all_dim = hp_.rope_yarn_log_mul / 0.1f;
  if (hp_.rope_yarn && all_dim != 0.0f) rope_.attn_factor = 1.0f / (1.0f + 0.1f * ln);
  // llama.cpp's arithmetic: its attn_factor times RoPE's own correction, times mscale_all_dim's.
  const float mscale = rope_.attn_factor * (1.0f + 0.1f * ln) * (1.0f + 0.1f * all_dim * ln);
  kq_scale_ = mscale * mscale / std::sqrt(static_cast<float>(mla_.qk_dim()));

  layers_.reserve(static_cast<size_t>(c.n_layer));
  for (int32_t il = 0; il < c.n_layer; ++il) {
    layers_.push_back({.attn_norm = weights_.vector(layer_tensor(il, "attn_norm.weight"), c.n_embd),
                       .attn = bind_mla(il),
                       .ffn_norm = weights_.vector(layer_tensor(il, "ffn_norm.weight"), c.n_embd),
                       .ffn = bind_feed_forward(weights_, il, c)});
  }
  if (c.n_expert > 0) {
    const bool bias = std::any_of(layers_.begin(), layers_.end(), [](const Layer& l) {
      return l.ffn.moe && l.ffn.moe->select_bias.has_value();
    });
    c.expert_routing = describe_routing(route_, bias);
  }
}

MlaWeights DeepSeek2::bind_mla(int32_t il) {
  const ModelConfig& c = config();
  const MlaShape& s = mla_;
  const auto name = [il](const char* suffix) { return layer_tensor(il, suffix); };
  const int64_t q_out = int64_t{s.n_head} * s.qk_dim();
  MlaWeights w{
      .kv_a = weights_.matrix(name("attn_kv_a_mqa.weight"), s.latent(), c.n_embd),
      .kv_a_norm = weights_.vector(name("attn_kv_a_norm.weight"), s.kv_lora),
      .o = weights_.matrix(name("attn_output.weight"), c.n_embd, int64_t{s.n_head} * s.v_dim)};
  if (s.q_lora > 0) {
    w.q_a = weights_.matrix(name("attn_q_a.weight"), s.q_lora, c.n_embd);
    w.q_a_norm = weights_.vector(name("attn_q_a_norm.weight"), s.q_lora);
    w.q_b = weights_.matrix(name("attn_q_b.weight"), q_out, s.q_lora);
  } else {
    w.q = weights_.matrix(name("attn_q.weight"), q_out, c.n_embd);
  }
  if (weights_.has(name("attn_k_b.weight"))) {
    w.k_b = weights_.heads(name("attn_k_b.weight"), s.n_head, s.kv_lora, s.qk_nope);
    w.v_b = weights_.heads(name("attn_v_b.weight"), s.n_head, s.v_dim, s.kv_lora);
  } else {
    bind_fused_kv_b(il, w);
  }
  return w;
}

void DeepSeek2::bind_fused_kv_b(int32_t il, MlaWeights& w) {
  const MlaShape& s = mla_;
  const std::string name = layer_tensor(il, "attn_kv_b.weight");
  const int64_t per_head = s.qk_nope + s.v_dim, rows = s.n_head * per_head;
  const std::vector<float> kv_b = weights_.dequantized(name, rows, s.kv_lora);
  for (int32_t h = 0; h < s.n_head; ++h) {
    // Head h's key rows [h * per_head, + qk_nope) map the latent to its nope key; absorbed, the
    // query needs their transpose [kv_lora, qk_nope].
    std::vector<float>& t = k_b_f32_.emplace_back(static_cast<size_t>(s.kv_lora) * s.qk_nope);
    for (int64_t d = 0; d < s.qk_nope; ++d) {
      const float* row = kv_b.data() + (h * per_head + d) * s.kv_lora;
      for (int64_t l = 0; l < s.kv_lora; ++l) t[static_cast<size_t>(l * s.qk_nope + d)] = row[l];
    }
    w.k_b.push_back(weights_.f32_matrix(t.data(), s.kv_lora, s.qk_nope));
    w.v_b.push_back(weights_.matrix_rows(name, rows, s.kv_lora, h * per_head + s.qk_nope, s.v_dim));
  }
}

Tensor DeepSeek2::attention(const Tensor& x, const MlaWeights& w, const KvStore& store) {
  const MlaShape& s = mla_;
  const float eps = hp_.rms_eps;
  const Tensor q = s.q_lora > 0
                       ? be_.matmul(be_.rms_norm(be_.matmul(x, *w.q_a), *w.q_a_norm, eps), *w.q_b)
                       : be_.matmul(x, *w.q);  // [M, n_head * qk_dim]
  be_.rope(q, s.qk_dim(), step_.positions, rope_, s.qk_nope);

  // The cache row: [norm(c) | rope(k_pe)].
  const Tensor kv = be_.matmul(x, w.kv_a);  // [M, kv_lora + qk_rope]
  const Tensor row = be_.alloc(x.rows, s.latent());
  be_.copy(be_.rms_norm(kv.col_range(0, s.kv_lora), w.kv_a_norm, eps), row.col_range(0, s.kv_lora));
  be_.copy(kv.col_range(s.kv_lora, s.qk_rope), row.col_range(s.kv_lora, s.qk_rope));
  be_.rope(row, s.latent(), step_.positions, rope_, s.kv_lora);
  be_.store_latent(row, step_.slots, store);

  // Absorbed queries [M, n_head * latent]: per head W_uk^T q_nope, then the rotated q_pe.
  const Tensor qa = be_.alloc(x.rows, int64_t{s.n_head} * s.latent());
  be_.matmul_heads(q, s.qk_dim(), w.k_b, qa, s.latent());
  for (int32_t h = 0; h < s.n_head; ++h) {
    be_.copy(q.col_range(int64_t{h} * s.qk_dim() + s.qk_nope, s.qk_rope),
             qa.col_range(int64_t{h} * s.latent() + s.kv_lora, s.qk_rope));
  }
  const Tensor a = be_.attention_mla(qa, step_.positions, store, step_.seqs, s.n_head, s.kv_lora,
                                     kq_scale_);  // [M, n_head * kv_lora]
  const Tensor v = be_.alloc(x.rows, int64_t{s.n_head} * s.v_dim);
  be_.matmul_heads(a, s.kv_lora, w.v_b, v, s.v_dim);  // W_uv per head
  return be_.matmul(v, w.o);                          // [M, n_embd]
}

void DeepSeek2::forward(const Batch& batch, KvCache& kv, std::span<float> logits) {
  if (!begin(batch, kv, logits)) return;
  const float eps = hp_.rms_eps;
  Tensor x = be_.get_rows(tok_embd_, batch.tokens);  // [M, n_embd]
  for (int32_t il = 0; il < config().n_layer; ++il) {
    const Layer& l = layers_[static_cast<size_t>(il)];
    const ScratchScope scratch(be_);
    be_.add(x, attention(be_.rms_norm(x, l.attn_norm, eps), l.attn, kv.layer(il)));
    const Tensor h = be_.rms_norm(x, l.ffn_norm, eps);
    be_.add(x, routing_.run(be_, h, l.ffn, route_));
  }
  finish(x, logits);
}

}  // namespace

std::unique_ptr<Model> load_deepseek2(const GgufFile& file, Backend& backend) {
  return std::make_unique<DeepSeek2>(file, backend);
}

}  // namespace minke
