// Qwen3 (Qwen team 2025): the Llama layout with a per-head RMS norm on queries and keys before
// RoPE, no q/k/v biases, and RoPE on half-split pairs (NeoX mode).
#include "models/architectures.h"
#include "models/blocks/llama_layout.h"

namespace minke {
namespace {

class Qwen3 final : public LlamaLayoutDecoder {
 public:
  Qwen3(const GgufFile& file, Backend& backend)
      : LlamaLayoutDecoder(file, backend, RopeMode::kNeox) {
    bind_layers({.qk_norm = true});  // attn_{q,k}_norm.weight
  }
};

}  // namespace

std::unique_ptr<Model> load_qwen3(const GgufFile& file, Backend& backend) {
  return std::make_unique<Qwen3>(file, backend);
}

}  // namespace minke
