// Qwen3-MoE (Qwen team 2025; Qwen3-30B-A3B, Qwen3-235B-A22B): Qwen3's attention (per-head q/k
// RMS norm, NeoX RoPE) with every feed-forward a mixture of SwiGLU experts: softmax over the
// router's logits, the top expert_used_count experts, their probabilities renormalised to sum to
// one (norm_topk_prob, as llama.cpp's qwen3moe graph always does). No shared experts.
#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/architectures.h"
#include "models/blocks/llama_layout.h"

namespace minke {
namespace {

class Qwen3Moe final : public LlamaLayoutDecoder {
 public:
  Qwen3Moe(const GgufFile& file, Backend& backend)
      : LlamaLayoutDecoder(file, backend, RopeMode::kNeox) {
    const ModelConfig& c = config();
    if (c.n_expert == 0) throw Error(weights_.file().path() + ": qwen3moe without expert_count");
    const RouteParams route{.n_expert = c.n_expert,
                            .n_used = c.n_expert_used,
                            .gating = Gating::kSoftmax,
                            .norm_weights = true};
    hp_.config.expert_routing = describe_routing(route);
    bind_layers({.qk_norm = true}, route);
  }
};

}  // namespace

std::unique_ptr<Model> load_qwen3moe(const GgufFile& file, Backend& backend) {
  return std::make_unique<Qwen3Moe>(file, backend);
}

}  // namespace minke
