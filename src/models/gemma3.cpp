// Gemma 3 (Gemma Team 2025): embeddings scaled by sqrt(n_embd); each block normalises its
// input and its output ("sandwich" RMS norms around attention and the feed-forward); per-head
// q/k RMS norm; GeGLU (tanh GELU); RoPE in NeoX mode. Five of every six layers attend over a
// sliding window with RoPE base 10000, the sixth over the whole context with <arch>.rope.*.
// The converter stores the norm weights as (1 + w), so they are plain RMSNorm weights here.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "models/architectures.h"
#include "models/blocks/attention.h"
#include "models/blocks/decoder.h"
#include "models/blocks/ffn.h"

namespace minke {
namespace {

// llama.cpp's Gemma 3 facts: local layers use a fixed RoPE base and no scaling; the pattern
// repeats every 6 layers (layer il is global when (il + 1) % 6 == 0).
constexpr float kLocalRopeBase = 10000.0f;
constexpr int32_t kDefaultSlidingPattern = 6;

class Gemma3 final : public DecoderModel {
 public:
  Gemma3(const GgufFile& file, Backend& backend) : DecoderModel(file, backend) {
    require_plain_attention();
    const ModelConfig& c = config();
    const auto window =
        static_cast<int32_t>(file.get(arch_key(file, "attention.sliding_window")).as_u32());
    const std::vector<bool> sliding = read_layer_pattern(file, "attention.sliding_window_pattern",
                                                         c.n_layer, kDefaultSlidingPattern);
    // Queries are scaled by query_pre_attn_scalar^-1/2: head_dim, except the 27B model (62
    // layers), whose scalar is n_embd / n_head.
    const int32_t q_scalar = c.n_layer == 62 ? c.n_embd / c.n_head : c.head_dim;
    hp_.config.sliding_window = window;
    hp_.config.n_layer_sliding =
        static_cast<int32_t>(std::count(sliding.begin(), sliding.end(), true));
    const AttentionOptions base{.n_head = c.n_head,
                                .n_head_kv = c.n_head_kv,
                                .head_dim = c.head_dim,
                                .norm_eps = hp_.rms_eps,
                                .q_scale = 1.0f / std::sqrt(static_cast<float>(q_scalar))};
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const bool local = sliding[static_cast<size_t>(il)];
      AttentionOptions attn = base;
      attn.rope = local ? rope(RopeMode::kNeox, kLocalRopeBase, 1.0f)
                        : rope(RopeMode::kNeox, hp_.rope_freq_base, hp_.rope_freq_scale);
      attn.window = local ? window : 0;
      layers_.push_back({
          .attn_opts = attn,
          .attn_norm = weights_.vector(layer_tensor(il, "attn_norm.weight"), c.n_embd),
          .attn = bind_attention(weights_, il, c.n_embd, attn, {.qk_norm = true}),
          .post_attn_norm =
              weights_.vector(layer_tensor(il, "post_attention_norm.weight"), c.n_embd),
          .ffn_norm = weights_.vector(layer_tensor(il, "ffn_norm.weight"), c.n_embd),
          .ffn = bind_ffn(weights_, il, c.n_embd, c.n_ff),
          .post_ffn_norm = weights_.vector(layer_tensor(il, "post_ffw_norm.weight"), c.n_embd),
      });
    }
    embd_scale_ = std::sqrt(static_cast<float>(c.n_embd));
  }

  // The local layers' K/V kept for their window only.
  KvLayout kv_layer_layout(int32_t il) const override {
    KvLayout l = kv_layout();
    l.window = layers_[static_cast<size_t>(il)].attn_opts.window;
    return l;
  }

  void forward(const Batch& batch, KvCache& kv, std::span<float> logits) override {
    if (!begin(batch, kv, logits)) return;
    const float eps = hp_.rms_eps;
    Tensor x = be_.get_rows(tok_embd_, batch.tokens);  // [M, n_embd]
    be_.scale(x, embd_scale_);
    for (int32_t il = 0; il < config().n_layer; ++il) {
      const Layer& l = layers_[static_cast<size_t>(il)];
      const ScratchScope scratch(be_);  // the layer's temporaries; x was allocated before
      // x += norm(attention(norm(x))); x += norm(ffn(norm(x)))
      const Tensor a = self_attention(be_, be_.rms_norm(x, l.attn_norm, eps), l.attn, l.attn_opts,
                                      step_, kv.layer(il));  // [M, n_embd]
      be_.add(x, be_.rms_norm(a, l.post_attn_norm, eps));
      const Tensor f = geglu_ffn(be_, be_.rms_norm(x, l.ffn_norm, eps), l.ffn);  // [M, n_embd]
      be_.add(x, be_.rms_norm(f, l.post_ffn_norm, eps));
    }
    finish(x, logits);  // norm, LM head (tied to the embedding): [n_wanted, n_vocab]
  }

 private:
  struct Layer {
    AttentionOptions attn_opts;  // local (windowed) or global
    WeightView attn_norm;        // [n_embd]
    AttentionWeights attn;
    WeightView post_attn_norm;  // [n_embd]
    WeightView ffn_norm;        // [n_embd]
    FfnWeights ffn;
    WeightView post_ffn_norm;  // [n_embd]
  };
  float embd_scale_ = 1.0f;
  std::vector<Layer> layers_;
};

}  // namespace

std::unique_ptr<Model> load_gemma3(const GgufFile& file, Backend& backend) {
  return std::make_unique<Gemma3>(file, backend);
}

}  // namespace minke
