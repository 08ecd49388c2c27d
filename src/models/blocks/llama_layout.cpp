// LlamaLayoutDecoder: binding and the forward pass of the Llama layer stack (see llama_layout.h).
#include "models/blocks/llama_layout.h"

#include "kv/kv_cache.h"

namespace minke {

LlamaLayoutDecoder::LlamaLayoutDecoder(const GgufFile& file, Backend& backend, RopeMode rope_mode,
                                       bool yarn_checked)
    : DecoderModel(file, backend) {
  require_plain_attention(yarn_checked);
  const ModelConfig& c = config();
  attn_ = {.n_head = c.n_head,
           .n_head_kv = c.n_head_kv,
           .head_dim = c.head_dim,
           .norm_eps = hp_.rms_eps,
           .rope = rope(rope_mode, hp_.rope_freq_base, hp_.rope_freq_scale)};
}

void LlamaLayoutDecoder::bind_layers(const AttentionTensors& required, const RouteParams& route) {
  const ModelConfig& c = config();
  route_ = route;
  layers_.reserve(static_cast<size_t>(c.n_layer));
  for (int32_t il = 0; il < c.n_layer; ++il) {
    const bool sliding = !sliding_.empty() && sliding_[static_cast<size_t>(il)];
    const AttentionOptions& opts = sliding ? attn_sliding_ : attn_;
    layers_.push_back({
        .attn_opts = opts,
        .attn_norm = weights_.vector(layer_tensor(il, "attn_norm.weight"), c.n_embd),
        .attn = bind_attention(weights_, il, c.n_embd, opts, required),
        .ffn_norm = weights_.vector(layer_tensor(il, ffn_norm_name_), c.n_embd),
        .ffn = bind_feed_forward(weights_, il, c),
    });
  }
}

void LlamaLayoutDecoder::forward(const Batch& batch, KvCache& kv, std::span<float> logits) {
  if (!begin(batch, kv, logits)) return;
  const float eps = hp_.rms_eps;
  Tensor x = be_.get_rows(tok_embd_, batch.tokens);  // [M, n_embd]
  for (int32_t il = 0; il < config().n_layer; ++il) {
    const Layer& l = layers_[static_cast<size_t>(il)];
    const ScratchScope scratch(be_);  // the layer's temporaries; x was allocated before
    // x += attention(norm(x)); x += ffn(norm(x))
    const Tensor a = self_attention(be_, be_.rms_norm(x, l.attn_norm, eps), l.attn, l.attn_opts,
                                    step_, kv.layer(il));  // [M, n_embd]
    be_.add(x, a);
    const Tensor h = be_.rms_norm(x, l.ffn_norm, eps);
    be_.add(x, routing_.run(be_, h, l.ffn, route_, expert_glu_));
  }
  finish(x, logits);  // norm, LM head: [n_wanted, n_vocab]
}

}  // namespace minke
