// Llama (Touvron et al. 2023) as GGUF files name it: pre-norm decoder, RMSNorm, grouped-query
// attention with RoPE on adjacent pairs ("normal" mode), SwiGLU feed-forward. Covers Llama 2/3
// (Llama 3.1 frequency scaling arrives as the rope_freqs.weight tensor), SmolLM2 and
// DeepSeek-R1-Distill-Llama. The layer stack and forward pass are blocks/llama_layout's.
#include <optional>

#include "models/architectures.h"
#include "models/blocks/llama_layout.h"

namespace minke {
namespace {

class Llama final : public LlamaLayoutDecoder {
 public:
  Llama(const GgufFile& file, Backend& backend)
      : LlamaLayoutDecoder(file, backend, RopeMode::kNormal) {
    rope_freqs_ = weights_.optional_vector("rope_freqs.weight", hp_.rope_n_dims / 2);
    if (rope_freqs_) {
      attn_.rope.freq_factors = {static_cast<const float*>(rope_freqs_->data),
                                 static_cast<size_t>(hp_.rope_n_dims / 2)};
    }
    bind_layers({});
  }

 private:
  std::optional<WeightView> rope_freqs_;  // [rope_n_dims / 2] Llama 3 frequency divisors
};

}  // namespace

std::unique_ptr<Model> load_llama(const GgufFile& file, Backend& backend) {
  return std::make_unique<Llama>(file, backend);
}

}  // namespace minke
