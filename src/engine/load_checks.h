// Checks made before the expensive part of loading a model, so a bad request fails at once with
// a message saying what to change: the file has weights, and the context the user asked for is
// within what the model was trained on and what this machine's memory can hold.
#pragma once

#include <cstdint>
#include <string>

namespace minke {

class GgufFile;
struct ModelConfig;

// Throws minke::Error when the file has no tensors (a vocabulary-only GGUF) although its
// architecture is one Minke runs; an unsupported architecture is left to load_model to name.
void check_has_weights(const GgufFile& file);

// Block counts and positions are int32: past this, size arithmetic would come close to overflow.
inline constexpr int64_t kMaxContext = int64_t{1} << 24;

struct ContextRequest {
  int64_t n_ctx = 0;               // tokens per sequence
  int32_t n_seqs = 1;              // sequences sharing the KV cache
  int64_t kv_tokens = 0;           // the KV pool's tokens; 0: n_ctx * n_seqs
  int64_t kv_bytes_per_token = 0;  // over all layers (Model::kv_bytes_per_token); 0: unknown
  uint64_t weight_bytes = 0;       // the model's tensor data (mapped, but read on every token)
  uint64_t scratch_bytes = 0;      // other large buffers the caller will allocate (logits)
  uint64_t memory_bytes = 0;       // the machine's memory; 0: physical_memory_bytes()
};

// Throws minke::Error when n_ctx exceeds the model's training context (positions past it are
// garbage without rope scaling, which Minke does not do) or when the f16 KV cache, weights and
// scratch would not fit in memory: refusing beats being killed by the OOM killer minutes later.
void check_context(const std::string& path, const ModelConfig& config, const ContextRequest& r);

// Total physical memory; 0 when unknown (the memory check is then skipped).
uint64_t physical_memory_bytes();

}  // namespace minke
