// Qwen2 / Qwen2.5 (Qwen team 2024): the Llama layout with biases on the q/k/v projections and
// RoPE on half-split pairs (NeoX mode). Also DeepSeek-R1-Distill-Qwen.
#include "models/architectures.h"
#include "models/blocks/llama_layout.h"

namespace minke {
namespace {

class Qwen2 final : public LlamaLayoutDecoder {
 public:
  Qwen2(const GgufFile& file, Backend& backend)
      : LlamaLayoutDecoder(file, backend, RopeMode::kNeox) {
    bind_layers({.bias = true});  // attn_{q,k,v}.bias
  }
};

}  // namespace

std::unique_ptr<Model> load_qwen2(const GgufFile& file, Backend& backend) {
  return std::make_unique<Qwen2>(file, backend);
}

}  // namespace minke
