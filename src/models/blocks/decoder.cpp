// DecoderModel: the shared embedding / LM head / step preparation (see decoder.h).
#include "models/blocks/decoder.h"

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

int64_t DecoderModel::kv_bytes_per_token() const {
  const ModelConfig& c = hp_.config;
  return KvCache::bytes_per_token(1, {.n_head_kv = c.n_head_kv, .head_dim = c.head_dim});
}

RopeParams DecoderModel::rope(RopeMode mode, float freq_base, float freq_scale) const {
  return {
      .mode = mode, .n_dims = hp_.rope_n_dims, .freq_base = freq_base, .freq_scale = freq_scale};
}

bool DecoderModel::begin(const Batch& batch, const KvCache& kv, std::span<float> logits) {
  const ModelConfig& c = hp_.config;
  const KvLayout& l = kv.layout();
  if (kv.n_layer() != c.n_layer || l.n_head_kv != c.n_head_kv || l.head_dim != c.head_dim) {
    throw Error("KV cache: built for " + std::to_string(kv.n_layer()) + " layers of " +
                std::to_string(l.n_head_kv) + " x " + std::to_string(l.head_dim) +
                " but the model needs " + std::to_string(c.n_layer) + " layers of " +
                std::to_string(c.n_head_kv) + " x " + std::to_string(c.head_dim));
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
