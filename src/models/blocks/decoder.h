// DecoderModel: what the decoder-only architectures share around their layers: hyper-
// parameters, the token embedding, the final norm and LM head (output.weight, or the embedding
// when the file ties them), and per-step batch preparation. Each architecture file derives
// from it and writes its own forward() over the layers.
#pragma once

#include <span>

#include "backend/backend.h"
#include "models/blocks/hparams.h"
#include "models/blocks/step.h"
#include "models/blocks/weights.h"
#include "models/model.h"

namespace minke {

class DecoderModel : public Model {
 public:
  const ModelConfig& config() const override { return hp_.config; }
  // K and V of n_head_kv heads of head_dim; MLA models override it with their latent row.
  KvLayout kv_layout() const override;
  // The sum of kv_layer_layout over the KV layers.
  int64_t kv_bytes_per_token() const override;

 protected:
  DecoderModel(const GgufFile& file, Backend& backend);

  // Validates the batch and the cache, fills step_ and starts a backend step; false when the
  // batch is empty (nothing to run).
  bool begin(const Batch& batch, const KvCache& kv, std::span<float> logits);
  // Final RMS norm and LM head of the wanted rows of x [M, n_embd] into logits
  // [n_wanted, n_vocab]; rows nobody wants are dropped first.
  void finish(const Tensor& x, std::span<float> logits);

  // Throws minke::Error unless values are as wide as keys and RoPE is not YaRN-scaled, unless
  // yarn_checked: the architecture's YaRN has been checked against an oracle (deepseek2's
  // MLA, gpt-oss).
  void require_plain_attention(bool yarn_checked = false) const;

  // RopeParams for this model's rotated dims with the given mode, base and scale.
  RopeParams rope(RopeMode mode, float freq_base, float freq_scale) const;

  Backend& be_;
  WeightBinder weights_;
  HParams hp_;
  WeightView tok_embd_;     // [n_vocab, n_embd]
  WeightView output_norm_;  // [n_embd]
  WeightView output_;       // [n_vocab, n_embd]
  StepInputs step_;
};

}  // namespace minke
