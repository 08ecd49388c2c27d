// Hyper-parameters shared by the decoder architectures, read from the GGUF keys
// "<arch>.embedding_length", "<arch>.attention.head_count", ... (gguf-py's names).
// Architecture files read their extra keys with arch_key().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/model.h"

namespace minke {

class GgufFile;

struct HParams {
  ModelConfig config;
  float rms_eps = 0.0f;            // attention.layer_norm_rms_epsilon
  float rope_freq_base = 0.0f;     // rope.freq_base (10000 when absent)
  float rope_freq_scale = 1.0f;    // 1 / rope.scaling.factor (linear or YaRN scaling)
  bool rope_yarn = false;          // rope.scaling.type == "yarn"
  int32_t rope_n_ctx_orig = 0;     // rope.scaling.original_context_length (YaRN)
  float rope_yarn_log_mul = 0.0f;  // rope.scaling.yarn_log_multiplier (0.1 * mscale_all_dim)
  float rope_yarn_beta_fast = 32.0f, rope_yarn_beta_slow = 1.0f;
  int32_t rope_n_dims = 0;   // rope.dimension_count (head_dim when absent)
  int32_t value_length = 0;  // attention.value_length (head_dim when absent)
};

// "<arch>.<key>", e.g. arch_key(file, "attention.sliding_window").
std::string arch_key(const GgufFile& file, std::string_view key);

// Reads the common keys; throws minke::Error naming a missing or invalid key. A per-layer
// array of head_count, head_count_kv or feed_forward_length gives the config its largest value:
// architectures that allow such files read the arrays (read_layer_counts), the others then fail
// on the tensors' shapes.
HParams read_hparams(const GgufFile& file);

// The non-negative count <arch>.<key> (at most 2^20), or `fallback` when absent.
int32_t arch_count(const GgufFile& file, std::string_view key, int32_t fallback);

// A per-layer count <arch>.<key>: one value per layer, or one for all (`fallback` for all when
// absent). Throws minke::Error on an array shorter than n_layer or a value out of [0, 2^20].
std::vector<int32_t> read_layer_counts(const GgufFile& file, std::string_view key, int32_t n_layer,
                                       int32_t fallback);

// Which of the n_layer layers have a property, from <arch>.<name>: one bool per layer, or a
// period n (layer il has it unless (il + 1) % n == 0; 0: every layer), the period `fallback`
// when absent. Sliding-window layers: "attention.sliding_window_pattern", llama.cpp's period
// Gemma 3 6, gpt-oss 2. Throws minke::Error on an array shorter than n_layer.
std::vector<bool> read_layer_pattern(const GgufFile& file, std::string_view name, int32_t n_layer,
                                     int32_t fallback);

}  // namespace minke
