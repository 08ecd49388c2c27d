// GLM-4.5 / GLM-4.5-Air / GLM-4.6 (Zhipu AI 2025) as GGUF names it ("glm4moe"): the Llama layer
// stack with grouped-query attention carrying q/k/v biases (and q/k norms where a checkpoint
// has them), NeoX RoPE over part of each head (rope.dimension_count, half of it in the
// published configs), and DeepSeek-V3's mixture of experts: sigmoid gating whose
// exp_probs_b bias only ranks, top-k renormalised and scaled by expert_weights_scale, shared
// experts, the first leading_dense_block_count layers dense. The pre-FFN norm is stored as
// post_attention_norm. The file's last nextn_predict_layers blocks are the multi-token-
// prediction head (blk.N.nextn.*), which read_hparams leaves out of the layers: generation
// never runs it.
#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/architectures.h"
#include "models/blocks/llama_layout.h"

namespace minke {
namespace {

class Glm4Moe final : public LlamaLayoutDecoder {
 public:
  Glm4Moe(const GgufFile& file, Backend& backend)
      : LlamaLayoutDecoder(file, backend, RopeMode::kNeox) {
    const ModelConfig& c = config();
    if (c.n_expert == 0) throw Error(weights_.file().path() + ": glm4moe without expert_count");
    const RouteParams route = read_expert_routing(file, c, Gating::kSigmoid);
    const bool select_bias =
        file.find_tensor(layer_tensor(c.n_layer_dense, "exp_probs_b.bias")) != nullptr;
    hp_.config.expert_routing = describe_routing(route, select_bias);
    ffn_norm_name_ = "post_attention_norm.weight";
    bind_layers({.bias = true}, route);
  }
};

}  // namespace

std::unique_ptr<Model> load_glm4moe(const GgufFile& file, Backend& backend) {
  return std::make_unique<Glm4Moe>(file, backend);
}

}  // namespace minke
