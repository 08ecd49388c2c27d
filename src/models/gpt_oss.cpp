// gpt-oss (OpenAI 2025; gpt-oss-20b, gpt-oss-120b) as GGUF names it ("gpt-oss"): the Llama
// layer stack with q/k/v/output biases, NeoX RoPE with YaRN scaling and a learned attention sink
// per head (a logit in each softmax's denominator with no value); layers alternate between a
// sliding window (attention.sliding_window; the even layers unless sliding_window_pattern says
// otherwise) and the full context. Every feed-forward is a mixture of experts: a biased router
// picks the top experts by logit and weighs them with the softmax over the chosen ones; each
// expert is a clamped SwiGLU with biases on its three projections (stored as MXFP4 in the
// published files). The pre-FFN norm is stored as post_attention_norm.
#include <algorithm>
#include <vector>

#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/architectures.h"
#include "models/blocks/hparams.h"
#include "models/blocks/llama_layout.h"

namespace minke {
namespace {

// gpt-oss's fixed constants (its reference code; llama.cpp hard-codes the same): the SwiGLU's
// sigmoid slope and clamp, and the default alternation period of sliding and full layers.
constexpr ExpertGlu kClampedSwiglu{.clamped = true, .alpha = 1.702f, .limit = 7.0f};
constexpr int32_t kDefaultSlidingPattern = 2;

class GptOss final : public LlamaLayoutDecoder {
 public:
  GptOss(const GgufFile& file, Backend& backend)
      : LlamaLayoutDecoder(file, backend, RopeMode::kNeox, /*yarn_checked=*/true) {
    const ModelConfig& c = config();
    if (c.n_expert == 0) throw Error(weights_.file().path() + ": gpt-oss without expert_count");
    const auto window =
        static_cast<int32_t>(file.get(arch_key(file, "attention.sliding_window")).as_u32());
    sliding_ = read_layer_pattern(file, "attention.sliding_window_pattern", c.n_layer,
                                  kDefaultSlidingPattern);
    // gpt-oss's YaRN blends over the exact correction dims (OpenAI's reference code,
    // transformers' truncate: false); ggml rounds them out to whole pairs, which moves the
    // angles of the pairs on the ramp by ~1e-4 rad per token on gpt-oss-20b (a radian by
    // position 10k). Minke follows the reference.
    attn_.rope.yarn_truncate = false;
    attn_sliding_ = attn_;
    attn_sliding_.window = window;
    attn_sliding_.rope = rope(
        RopeMode::kNeox, file.get_f32(arch_key(file, "rope.freq_base_swa"), hp_.rope_freq_base),
        hp_.rope_freq_scale);
    attn_sliding_.rope.yarn_truncate = false;
    hp_.config.sliding_window = window;
    hp_.config.n_layer_sliding =
        static_cast<int32_t>(std::count(sliding_.begin(), sliding_.end(), true));
    hp_.config.attention_sinks = true;

    const RouteParams route{
        .n_expert = c.n_expert, .n_used = c.n_expert_used, .gating = Gating::kSoftmaxChosen};
    hp_.config.expert_routing = describe_routing(route) + ", biased router";
    ffn_norm_name_ = "post_attention_norm.weight";
    expert_glu_ = kClampedSwiglu;
    bind_layers({.bias = true, .o_bias = true, .sinks = true}, route);
  }
};

}  // namespace

std::unique_ptr<Model> load_gpt_oss(const GgufFile& file, Backend& backend) {
  return std::make_unique<GptOss>(file, backend);
}

}  // namespace minke
