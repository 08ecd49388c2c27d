// Model: one decoder architecture bound to a GGUF file's weights, with a batch-first
// forward pass (DESIGN.md: prefill, decode and continuous batching are the same call).
// Architectures register in registry.cpp; each lives in its own file (llama.cpp, qwen2.cpp,
// ...) built from shared pieces in blocks/.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"  // KvLayout

namespace minke {

class Backend;
class GgufFile;
class KvCache;

// Hyper-parameters every architecture reports (from GGUF metadata).
struct ModelConfig {
  std::string arch;  // general.architecture, e.g. "llama"
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;  // <arch>.context_length
  int32_t n_embd = 0;
  int32_t n_layer = 0;      // the decoder layers run (block_count less n_layer_mtp)
  int32_t n_layer_mtp = 0;  // multi-token-prediction blocks the file adds after them (not run)
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;  // key/value head width
  int32_t n_ff = 0;
  // Mixture of experts (all 0 for a dense model).
  int32_t n_expert = 0;         // routed experts per MoE layer
  int32_t n_expert_used = 0;    // routed experts each token runs
  int32_t n_expert_shared = 0;  // shared experts every token runs
  int32_t n_ff_exp = 0;         // hidden size of one expert
  int32_t n_ff_shexp = 0;       // hidden size of the shared experts together (0: none)
  int32_t n_layer_dense = 0;    // leading layers with a dense feed-forward instead
  std::string expert_routing;   // how tokens pick experts, e.g. "softmax, renormalised"
  // Sliding-window attention (0 without): the window in tokens and how many layers use it.
  int32_t sliding_window = 0;
  int32_t n_layer_sliding = 0;
  int32_t n_layer_kv_shared = 0;     // last layers attending over an earlier layer's K/V (Gemma 4)
  int32_t n_embd_per_layer = 0;      // width of the per-layer input embeddings (Gemma 4 E2B/E4B)
  float final_logit_softcap = 0.0f;  // logits = cap * tanh(logits / cap) when > 0
  // Recurrent (linear-attention) layers of a hybrid model, which keep a state per sequence
  // instead of K/V: how many, and the state's shape (Gated DeltaNet).
  int32_t n_layer_recurrent = 0;
  int32_t ssm_n_k_heads = 0, ssm_n_v_heads = 0, ssm_head_dim = 0, ssm_conv_width = 0;
  bool attention_sinks = false;  // a learned logit per head in each softmax (gpt-oss)
  // Multi-head Latent Attention (all 0 without it); head_dim is then the per-head query/key
  // width (nope + RoPE part).
  int32_t q_lora_rank = 0;   // 0: the query is projected directly
  int32_t kv_lora_rank = 0;  // the compressed KV the cache keeps
  int32_t qk_rope_dim = 0;   // the decoupled RoPE part of each head's query and key
  int32_t v_head_dim = 0;
};

// One forward step: tokens of any number of sequences. Token i is at position positions[i]
// of sequence seq_ids[i]; a sequence's tokens in a batch are consecutive and in position
// order. Logits are produced for the tokens with want_logits[i] != 0, in batch order.
struct Batch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> positions;
  std::vector<int32_t> seq_ids;
  std::vector<uint8_t> want_logits;

  void add(int32_t token, int32_t position, int32_t seq_id, bool logits) {
    tokens.push_back(token);
    positions.push_back(position);
    seq_ids.push_back(seq_id);
    want_logits.push_back(logits ? 1 : 0);
  }
  size_t size() const { return tokens.size(); }
  void clear() {
    tokens.clear();
    positions.clear();
    seq_ids.clear();
    want_logits.clear();
  }
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelConfig& config() const = 0;
  // What the KV cache keeps per token and layer: K/V heads, or an MLA latent row (block_size is
  // left 0: the cache's owner picks it). The cache is built from it.
  virtual KvLayout kv_layout() const = 0;
  // Layers that keep K/V in the cache: every layer but a hybrid model's recurrent ones and
  // those that read another layer's K/V (Gemma 4's shared KV).
  virtual int32_t n_kv_layers() const { return config().n_layer; }
  // What KV layer il (0 <= il < n_kv_layers()) keeps: kv_layout() unless the layers differ
  // (Gemma 4's sliding and global layers have other head counts and widths).
  virtual KvLayout kv_layer_layout(int32_t /*il*/) const { return kv_layout(); }
  // Bytes one token takes in the cache over all its layers (for sizing and `minke info`).
  virtual int64_t kv_bytes_per_token() const = 0;
  // Floats of recurrent state one sequence keeps over all layers, whatever its length (0: none;
  // the Gated DeltaNet layers of Qwen3.5). The cache keeps it (KvCacheOptions::state_floats).
  virtual int64_t recurrent_state_floats() const { return 0; }
  // Runs the batch. The KV cache must already hold blocks for every (sequence, position) in
  // the batch (KvCache::reserve); the step's K/V are written there. `logits` receives
  // n_vocab floats per wanted token, in batch order. Validates token ids (minke::Error).
  virtual void forward(const Batch& batch, KvCache& kv, std::span<float> logits) = 0;
};

// Each KV layer's layout with the given block size (KvCacheOptions::layer_layouts).
inline std::vector<KvLayout> kv_layer_layouts(const Model& m, int32_t block_size) {
  std::vector<KvLayout> out;
  for (int32_t il = 0; il < m.n_kv_layers(); ++il) {
    out.push_back(m.kv_layer_layout(il));
    out.back().block_size = block_size;
  }
  return out;
}

// Builds the model for the file's general.architecture (minke::Error naming an architecture
// Minke does not run yet). The GgufFile and Backend must outlive the model.
std::unique_ptr<Model> load_model(const GgufFile& file, Backend& backend);
// Architectures load_model accepts, for messages and `minke info`.
std::vector<std::string> supported_architectures();

}  // namespace minke
