// LlamaLayoutDecoder: the layer stack Llama introduced and Qwen2/Qwen3 kept: pre-norm blocks
//   x += attention(rms_norm(x)); x += feed_forward(rms_norm(x))
// over the shared embedding and LM head, the feed-forward a SwiGLU or, for a mixture-of-experts
// model (Qwen3-MoE, GLM-4.5, gpt-oss), routed experts. An architecture file derives from it, sets
// up what is its own (RoPE mode and frequency factors, which optional attention tensors it
// requires, sliding-window layers, the routing and the experts' activation) and calls
// bind_layers(); the forward pass is this one.
#pragma once

#include <span>
#include <vector>

#include "models/blocks/attention.h"
#include "models/blocks/decoder.h"
#include "models/blocks/ffn.h"
#include "models/blocks/moe.h"

namespace minke {

class LlamaLayoutDecoder : public DecoderModel {
 public:
  void forward(const Batch& batch, KvCache& kv, std::span<float> logits) final;
  // The sliding layers' K/V kept for their window only.
  KvLayout kv_layer_layout(int32_t il) const override {
    KvLayout l = kv_layout();
    l.window = layers_[static_cast<size_t>(il)].attn_opts.window;
    return l;
  }

 protected:
  // attn_ gets the model's head shape and q/k norm eps, and RoPE in `rope_mode` with the
  // file's base and scale; the derived constructor may amend it before bind_layers().
  // yarn_checked: the architecture's YaRN scaling is checked against an oracle (gpt-oss).
  LlamaLayoutDecoder(const GgufFile& file, Backend& backend, RopeMode rope_mode,
                     bool yarn_checked = false);

  // Binds every layer's norms, attention (requiring `required`) and feed-forward: the experts
  // of config() after its n_layer_dense leading dense layers, routed as `route` says, when the
  // model has experts.
  void bind_layers(const AttentionTensors& required, const RouteParams& route = {});

  AttentionOptions attn_;
  // Layers that attend over a sliding window (empty: none) use attn_sliding_ instead of attn_.
  std::vector<bool> sliding_;
  AttentionOptions attn_sliding_;
  // The pre-FFN norm's tensor name in blk.N (GLM-4.5 and gpt-oss call it post_attention_norm).
  const char* ffn_norm_name_ = "ffn_norm.weight";
  ExpertGlu expert_glu_;  // the experts' activation (gpt-oss clamps its SwiGLU)

 private:
  struct Layer {
    AttentionOptions attn_opts;  // attn_ or attn_sliding_
    WeightView attn_norm;        // [n_embd]
    AttentionWeights attn;
    WeightView ffn_norm;  // [n_embd]
    FeedForward ffn;
  };
  std::vector<Layer> layers_;
  RouteParams route_;
  ExpertRouting routing_;
};

}  // namespace minke
