// Qwen3 (Qwen team 2025): the Llama layout with a per-head RMS norm on queries and keys before
// RoPE, no q/k/v biases, and RoPE on half-split pairs (NeoX mode).
#include <vector>

#include "kv/kv_cache.h"
#include "models/architectures.h"
#include "models/blocks/attention.h"
#include "models/blocks/decoder.h"
#include "models/blocks/ffn.h"

namespace minke {
namespace {

class Qwen3 final : public DecoderModel {
 public:
  Qwen3(const GgufFile& file, Backend& backend) : DecoderModel(file, backend) {
    const ModelConfig& c = config();
    attn_ = {.n_head = c.n_head,
             .n_head_kv = c.n_head_kv,
             .head_dim = c.head_dim,
             .norm_eps = hp_.rms_eps,
             .rope = rope(RopeMode::kNeox, hp_.rope_freq_base, hp_.rope_freq_scale)};
    for (int32_t il = 0; il < c.n_layer; ++il) {
      layers_.push_back({
          .attn_norm = weights_.vector(layer_tensor(il, "attn_norm.weight"), c.n_embd),
          .attn = bind_attention(weights_, il, c.n_embd, attn_, {.qk_norm = true}),
          .ffn_norm = weights_.vector(layer_tensor(il, "ffn_norm.weight"), c.n_embd),
          .ffn = bind_ffn(weights_, il, c.n_embd, c.n_ff),
      });
    }
  }

  void forward(const Batch& batch, KvCache& kv, std::span<float> logits) override {
    if (!begin(batch, kv, logits)) return;
    const float eps = hp_.rms_eps;
    Tensor x = be_.get_rows(tok_embd_, batch.tokens);  // [M, n_embd]
    for (int32_t il = 0; il < config().n_layer; ++il) {
      const Layer& l = layers_[static_cast<size_t>(il)];
      // x += attention(norm(x)) (per-head q/k norm before RoPE); x += ffn(norm(x))
      const Tensor a = self_attention(be_, be_.rms_norm(x, l.attn_norm, eps), l.attn, attn_, step_,
                                      kv.layer(il));  // [M, n_embd]
      be_.add(x, a);
      be_.add(x, swiglu_ffn(be_, be_.rms_norm(x, l.ffn_norm, eps), l.ffn));
    }
    finish(x, logits);  // norm, LM head: [n_wanted, n_vocab]
  }

 private:
  struct Layer {
    WeightView attn_norm;  // [n_embd]
    AttentionWeights attn;
    WeightView ffn_norm;  // [n_embd]
    FfnWeights ffn;
  };
  AttentionOptions attn_;
  std::vector<Layer> layers_;
};

}  // namespace

std::unique_ptr<Model> load_qwen3(const GgufFile& file, Backend& backend) {
  return std::make_unique<Qwen3>(file, backend);
}

}  // namespace minke
