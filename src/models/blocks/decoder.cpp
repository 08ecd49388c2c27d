// DecoderModel: the shared embedding / LM head / step preparation (see decoder.h).
#include "models/blocks/decoder.h"

#include <cmath>
#include <string>

#include "core/check.h"
#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "minke/error.h"

namespace minke {

DecoderModel::DecoderModel(const GgufFile& file, Backend& backend)
    : be_(backend), weights_(file, backend), hp_(read_hparams(file)) {
  const ModelConfig& c = hp_.config;
  tok_embd_ = weights_.table("token_embd.weight", c.n_vocab, c.n_embd);
  output_norm_ = weights_.vector("output_norm.weight", c.n_embd);
  // Tied embeddings: files without output.weight reuse the embedding as the LM head.
  const auto output = weights_.optional_matrix("output.weight", c.n_vocab, c.n_embd);
  output_ = output ? *output : weights_.tied_matrix(tok_embd_);
}

KvLayout DecoderModel::kv_layout() const {
  return {.n_head_kv = hp_.config.n_head_kv, .head_dim = hp_.config.head_dim};
}

int64_t DecoderModel::kv_bytes_per_token() const {
  int64_t bytes = 0;
  for (int32_t il = 0; il < n_kv_layers(); ++il) {
    bytes += KvCache::bytes_per_token(1, kv_layer_layout(il));
  }
  return bytes;
}

void DecoderModel::require_plain_attention(bool yarn_checked) const {
  if (hp_.rope_yarn && !yarn_checked) {
    throw Error(weights_.file().path() +
                ": YaRN RoPE scaling is supported for deepseek2 and gpt-oss only so far, not " +
                hp_.config.arch);
  }
  if (hp_.value_length != hp_.config.head_dim) {
    throw Error(weights_.file().path() + ": attention.value_length " +
                std::to_string(hp_.value_length) + " differs from attention.key_length " +
                std::to_string(hp_.config.head_dim) + ", which " + hp_.config.arch +
                " does not allow");
  }
}

RopeParams DecoderModel::rope(RopeMode mode, float freq_base, float freq_scale) const {
  RopeParams p{
      .mode = mode, .n_dims = hp_.rope_n_dims, .freq_base = freq_base, .freq_scale = freq_scale};
  if (hp_.rope_yarn) {
    p.ext_factor = 1.0f;
    p.beta_fast = hp_.rope_yarn_beta_fast;
    p.beta_slow = hp_.rope_yarn_beta_slow;
    p.n_ctx_orig = hp_.rope_n_ctx_orig;
    // The kernel multiplies cos and sin by attn_factor * (1 + 0.1 ln factor), YaRN's magnitude
    // correction; llama.cpp passes 1 / (1 + 0.1 ln factor) times its own correction (here the
    // same one) so that the product is it: the same float arithmetic as its.
    const float ln = std::log(1.0f / freq_scale);
    p.attn_factor = (0.1f * ln + 1.0f) * (1.0f / (1.0f + 0.1f * ln));
  }
  return p;
}

bool DecoderModel::begin(const Batch& batch, const KvCache& kv, std::span<float> logits) {
  const ModelConfig& c = hp_.config;
  const auto shape = [](const KvLayout& k) {
    return k.latent_dim > 0 ? "latent " + std::to_string(k.latent_dim)
                            : std::to_string(k.n_head_kv) + " x " + std::to_string(k.head_dim);
  };
  if (kv.n_layer() != n_kv_layers()) {
    throw Error("KV cache: built for " + std::to_string(kv.n_layer()) +
                " layers but the model needs " + std::to_string(n_kv_layers()));
  }
  for (int32_t il = 0; il < n_kv_layers(); ++il) {
    const KvLayout& l = kv.layer(il).layout;
    const KvLayout want = kv_layer_layout(il);
    if (l.n_head_kv != want.n_head_kv || l.head_dim != want.head_dim ||
        l.latent_dim != want.latent_dim) {
      throw Error("KV cache: layer " + std::to_string(il) + " built for " + shape(l) +
                  " but the model needs " + shape(want));
    }
  }
  step_.prepare(batch, kv, c.n_vocab, weights_.file().path());
  MINKE_CHECK(logits.size() == step_.wanted.size() * static_cast<size_t>(c.n_vocab));
  if (batch.size() == 0) return false;
  be_.begin_step();
  return true;
}

void DecoderModel::finish(const Tensor& x, std::span<float> logits) {
  if (step_.wanted.empty()) return;
  const Tensor h = be_.gather_rows(x, step_.wanted);  // [n_wanted, n_embd]
  const Tensor hn = be_.rms_norm(h, output_norm_, hp_.rms_eps);
  be_.download(be_.matmul(hn, output_), logits);  // [n_wanted, n_vocab]
}

}  // namespace minke
