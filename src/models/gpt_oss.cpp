// gpt-oss (OpenAI 2025; gpt-oss-20b, gpt-oss-120b) as GGUF names it ("gpt-oss"): pre-norm
// blocks whose attention has q/k/v/output biases, NeoX RoPE with YaRN scaling, and a learned
// attention sink per head (a logit in each softmax's denominator with no value); layers
// alternate between a sliding window (attention.sliding_window keys, the even layers unless
// sliding_window_pattern says otherwise) and the full context. Every feed-forward is a mixture
// of experts: a biased router picks the top experts by logit and weighs them with the softmax
// over the chosen ones; each expert is a clamped SwiGLU with biases on its three projections
// (stored as MXFP4 in the published files). The pre-FFN norm is stored as post_attention_norm.
#include <cmath>
#include <vector>

#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "minke/error.h"
#include "models/architectures.h"
#include "models/blocks/attention.h"
#include "models/blocks/decoder.h"
#include "models/blocks/moe.h"

namespace minke {
namespace {

// gpt-oss's fixed constants (its reference code; llama.cpp hard-codes the same): the SwiGLU's
// sigmoid slope and clamp, and the default alternation period of sliding and full layers.
constexpr ExpertGlu kClampedSwiglu{.clamped = true, .alpha = 1.702f, .limit = 7.0f};
constexpr int32_t kDefaultSlidingPattern = 2;

class GptOss final : public DecoderModel {
 public:
  GptOss(const GgufFile& file, Backend& backend) : DecoderModel(file, backend) {
    require_plain_attention(/*yarn_checked=*/true);
    const ModelConfig& c = config();
    if (c.n_expert == 0) throw Error(weights_.file().path() + ": gpt-oss without expert_count");
    const auto window =
        static_cast<int32_t>(file.get(arch_key(file, "attention.sliding_window")).as_u32());
    const std::vector<bool> sliding = read_sliding_layers(file, c.n_layer, kDefaultSlidingPattern);
    const float swa_base = file.get_f32(arch_key(file, "rope.freq_base_swa"), hp_.rope_freq_base);
    route_ = {.n_expert = c.n_expert, .n_used = c.n_expert_used, .gating = Gating::kSoftmaxChosen};
    hp_.config.expert_routing = describe_routing(route_) + ", biased router";
    const AttentionOptions base{.n_head = c.n_head,
                                .n_head_kv = c.n_head_kv,
                                .head_dim = c.head_dim,
                                .norm_eps = hp_.rms_eps};
    int32_t n_sliding = 0;
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const bool local = sliding[static_cast<size_t>(il)];
      n_sliding += local ? 1 : 0;
      AttentionOptions attn = base;
      attn.rope = rope(RopeMode::kNeox, local ? swa_base : hp_.rope_freq_base, hp_.rope_freq_scale);
      attn.window = local ? window : 0;
      layers_.push_back({
          .attn_opts = attn,
          .attn_norm = weights_.vector(layer_tensor(il, "attn_norm.weight"), c.n_embd),
          .attn = bind_attention(weights_, il, c.n_embd, attn,
                                 {.bias = true, .o_bias = true, .sinks = true}),
          .ffn_norm = weights_.vector(layer_tensor(il, "post_attention_norm.weight"), c.n_embd),
          .moe = bind_moe(weights_, il, c.n_embd, c.n_expert, c.n_ff_exp, 0),
      });
    }
    hp_.config.sliding_window = window;
    hp_.config.n_layer_sliding = n_sliding;
    hp_.config.attention_sinks = true;
  }

  void forward(const Batch& batch, KvCache& kv, std::span<float> logits) override {
    if (!begin(batch, kv, logits)) return;
    const float eps = hp_.rms_eps;
    Tensor x = be_.get_rows(tok_embd_, batch.tokens);  // [M, n_embd]
    for (int32_t il = 0; il < config().n_layer; ++il) {
      const Layer& l = layers_[static_cast<size_t>(il)];
      const ScratchScope scratch(be_);  // the layer's temporaries; x was allocated before
      // x += attention(norm(x)); x += experts(norm(x))
      be_.add(x, self_attention(be_, be_.rms_norm(x, l.attn_norm, eps), l.attn, l.attn_opts, step_,
                                kv.layer(il)));
      be_.add(x,
              routing_.run(be_, be_.rms_norm(x, l.ffn_norm, eps), l.moe, route_, kClampedSwiglu));
    }
    finish(x, logits);  // norm, LM head: [n_wanted, n_vocab]
  }

 private:
  struct Layer {
    AttentionOptions attn_opts;  // windowed or full
    WeightView attn_norm;        // [n_embd]
    AttentionWeights attn;
    WeightView ffn_norm;  // [n_embd]
    MoeWeights moe;
  };
  std::vector<Layer> layers_;
  RouteParams route_;
  ExpertRouting routing_;
};

}  // namespace

std::unique_ptr<Model> load_gpt_oss(const GgufFile& file, Backend& backend) {
  return std::make_unique<GptOss>(file, backend);
}

}  // namespace minke
