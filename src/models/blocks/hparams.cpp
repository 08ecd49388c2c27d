// read_hparams: the common decoder hyper-parameters from GGUF metadata (see hparams.h).
#include "models/blocks/hparams.h"

#include <algorithm>

#include "gguf/gguf_file.h"
#include "minke/error.h"

namespace minke {
namespace {

int32_t positive(const GgufFile& f, const std::string& key, int64_t v) {
  if (v <= 0 || v > (int64_t{1} << 30)) {
    throw Error(f.path() + ": " + key + " = " + std::to_string(v) + " is out of range");
  }
  return static_cast<int32_t>(v);
}

int32_t required(const GgufFile& f, std::string_view key) {
  const std::string k = arch_key(f, key);
  return positive(f, k, f.get(k).as_i64());
}

int32_t optional(const GgufFile& f, std::string_view key, int32_t fallback) {
  const std::string k = arch_key(f, key);
  const GgufValue* v = f.find(k);
  return v == nullptr ? fallback : positive(f, k, v->as_i64());
}

// The largest of a per-layer array, or the plain value; `fallback` when absent.
int32_t layer_max(const GgufFile& f, std::string_view key, int32_t n_layer, int32_t fallback) {
  if (!f.find(arch_key(f, key))) return fallback;
  const std::vector<int32_t> v = read_layer_counts(f, key, n_layer, fallback);
  return positive(f, arch_key(f, key), *std::max_element(v.begin(), v.end()));
}

// A count that may be 0 or absent (0).
int32_t count(const GgufFile& f, std::string_view key) {
  const std::string k = arch_key(f, key);
  const GgufValue* v = f.find(k);
  if (v == nullptr) return 0;
  const int64_t n = v->as_i64();
  return n == 0 ? 0 : positive(f, k, n);
}

// The mixture-of-experts keys: all 0 for a dense model; else they must agree.
void read_experts(const GgufFile& f, ModelConfig& c) {
  c.n_expert = count(f, "expert_count");
  if (c.n_expert == 0) return;
  c.n_expert_used = count(f, "expert_used_count");
  c.n_expert_shared = count(f, "expert_shared_count");
  c.n_ff_exp = count(f, "expert_feed_forward_length");
  c.n_layer_dense = count(f, "leading_dense_block_count");
  // The shared experts' width: expert_shared_feed_forward_length (Qwen3-Next, Qwen3.5-MoE: one
  // shared expert of that width), else expert_shared_count experts of the routed width.
  c.n_ff_shexp = count(f, "expert_shared_feed_forward_length");
  if (c.n_ff_shexp > 0 && c.n_expert_shared == 0) c.n_expert_shared = 1;
  if (c.n_ff_shexp == 0) c.n_ff_shexp = c.n_expert_shared * c.n_ff_exp;
  if (c.n_expert_used == 0 || c.n_expert_used > c.n_expert) {
    throw Error(f.path() + ": expert_used_count " + std::to_string(c.n_expert_used) +
                " must be between 1 and expert_count " + std::to_string(c.n_expert));
  }
  if (c.n_ff_exp == 0)
    throw Error(f.path() + ": missing key " + arch_key(f, "expert_feed_forward_length"));
  if (c.n_layer_dense > c.n_layer) {
    throw Error(f.path() + ": leading_dense_block_count " + std::to_string(c.n_layer_dense) +
                " exceeds block_count " + std::to_string(c.n_layer));
  }
}

// rope.scaling.type: linear position interpolation, or YaRN (DeepSeek, long-context Qwen);
// Llama 3 scaling comes as the rope_freqs.weight tensor instead.
void read_rope_scaling(const GgufFile& f, HParams& hp) {
  const std::string type(f.get_string(arch_key(f, "rope.scaling.type"), "none"));
  float factor = f.get_f32(arch_key(f, "rope.scaling.factor"), 0.0f);
  if (factor == 0.0f) factor = f.get_f32(arch_key(f, "rope.scale_linear"), 0.0f);
  if (type == "none" || factor == 0.0f || factor == 1.0f) return;
  if (type != "linear" && type != "yarn") {
    throw Error(f.path() + ": rope scaling type '" + type + "' is not supported yet");
  }
  if (!(factor > 0.0f && factor < 1e6f)) throw Error(f.path() + ": invalid rope.scaling.factor");
  hp.rope_freq_scale = 1.0f / factor;
  if (type != "yarn") return;
  hp.rope_yarn = true;
  hp.rope_n_ctx_orig = optional(f, "rope.scaling.original_context_length", hp.config.n_ctx_train);
  if (hp.rope_n_ctx_orig == 0) {
    throw Error(f.path() + ": YaRN needs rope.scaling.original_context_length");
  }
  hp.rope_yarn_log_mul = f.get_f32(arch_key(f, "rope.scaling.yarn_log_multiplier"), 0.0f);
  hp.rope_yarn_beta_fast = f.get_f32(arch_key(f, "rope.scaling.yarn_beta_fast"), 32.0f);
  hp.rope_yarn_beta_slow = f.get_f32(arch_key(f, "rope.scaling.yarn_beta_slow"), 1.0f);
}

}  // namespace

std::string arch_key(const GgufFile& file, std::string_view key) {
  return std::string(file.get_string("general.architecture", "")) + "." + std::string(key);
}

int32_t arch_count(const GgufFile& f, std::string_view key, int32_t fallback) {
  const GgufValue* v = f.find(arch_key(f, key));
  if (v == nullptr) return fallback;
  const int64_t n = v->as_i64();
  if (n < 0 || n > (int64_t{1} << 20)) {
    throw Error(f.path() + ": " + arch_key(f, key) + " = " + std::to_string(n) +
                " is out of range");
  }
  return static_cast<int32_t>(n);
}

std::vector<int32_t> read_layer_counts(const GgufFile& f, std::string_view key, int32_t n_layer,
                                       int32_t fallback) {
  const std::string k = arch_key(f, key);
  const GgufValue* v = f.find(k);
  if (v == nullptr || v->type() != GgufValueType::ARRAY) {
    return std::vector<int32_t>(static_cast<size_t>(n_layer), arch_count(f, key, fallback));
  }
  if (v->array_size() < static_cast<uint64_t>(n_layer)) {
    throw Error(f.path() + ": " + k + " has " + std::to_string(v->array_size()) + " entries for " +
                std::to_string(n_layer) + " layers");
  }
  std::vector<int32_t> out(static_cast<size_t>(n_layer));
  for (int32_t il = 0; il < n_layer; ++il) {
    const int64_t n = v->array_at(il).as_i64();
    if (n < 0 || n > (int64_t{1} << 20)) {
      throw Error(f.path() + ": " + k + "[" + std::to_string(il) + "] = " + std::to_string(n) +
                  " is out of range");
    }
    out[static_cast<size_t>(il)] = static_cast<int32_t>(n);
  }
  return out;
}

std::vector<bool> read_layer_pattern(const GgufFile& f, std::string_view name, int32_t n_layer,
                                     int32_t fallback) {
  const std::string key = arch_key(f, name);
  std::vector<bool> sliding(static_cast<size_t>(n_layer));
  const GgufValue* v = f.find(key);
  if (v != nullptr && v->type() == GgufValueType::ARRAY) {
    if (v->array_size() < static_cast<uint64_t>(n_layer)) {
      throw Error(f.path() + ": " + key + " has " + std::to_string(v->array_size()) +
                  " entries for " + std::to_string(n_layer) + " layers");
    }
    for (int32_t il = 0; il < n_layer; ++il)
      sliding[static_cast<size_t>(il)] = v->array_at(il).as_bool();
    return sliding;
  }
  const auto period = v != nullptr ? static_cast<int64_t>(v->as_u32()) : fallback;
  for (int32_t il = 0; il < n_layer; ++il) {
    sliding[static_cast<size_t>(il)] = period == 0 || (il + 1) % period != 0;
  }
  return sliding;
}

HParams read_hparams(const GgufFile& f) {
  HParams hp;
  ModelConfig& c = hp.config;
  c.arch = std::string(f.get("general.architecture").as_string());
  c.n_embd = required(f, "embedding_length");
  c.n_layer = required(f, "block_count");
  // Multi-token-prediction blocks (GLM-4.5's nextn) are the last of block_count: not layers.
  c.n_layer_mtp = arch_count(f, "nextn_predict_layers", 0);
  if (c.n_layer_mtp >= c.n_layer) {
    throw Error(f.path() + ": nextn_predict_layers " + std::to_string(c.n_layer_mtp) +
                " leaves no layer of block_count " + std::to_string(c.n_layer));
  }
  c.n_layer -= c.n_layer_mtp;
  c.n_ff = layer_max(f, "feed_forward_length", c.n_layer, 0);
  if (c.n_ff == 0) throw Error(f.path() + ": missing key " + arch_key(f, "feed_forward_length"));
  c.n_head = layer_max(f, "attention.head_count", c.n_layer, 0);
  if (c.n_head == 0) throw Error(f.path() + ": missing key " + arch_key(f, "attention.head_count"));
  c.n_head_kv = layer_max(f, "attention.head_count_kv", c.n_layer, c.n_head);
  if (c.n_head % c.n_head_kv != 0) {
    throw Error(f.path() + ": attention.head_count " + std::to_string(c.n_head) +
                " is not a multiple of attention.head_count_kv " + std::to_string(c.n_head_kv));
  }
  c.head_dim = optional(f, "attention.key_length", c.n_embd / c.n_head);
  hp.value_length = optional(f, "attention.value_length", c.head_dim);
  c.n_ctx_train = optional(f, "context_length", 0);
  read_experts(f, c);

  // The vocabulary is the tokenizer's; the embedding and output shapes are checked against it.
  if (const GgufValue* tokens = f.find("tokenizer.ggml.tokens")) {
    c.n_vocab = positive(f, "tokenizer.ggml.tokens", static_cast<int64_t>(tokens->array_size()));
  } else if (const GgufTensor* embd = f.find_tensor("token_embd.weight");
             embd != nullptr && embd->dims.size() == 2) {
    c.n_vocab = positive(f, "token_embd.weight", embd->dims[1]);
  } else {
    throw Error(f.path() +
                ": no tokenizer.ggml.tokens and no token_embd.weight to size the "
                "vocabulary");
  }

  hp.rms_eps = f.get(arch_key(f, "attention.layer_norm_rms_epsilon")).as_f32();
  hp.rope_freq_base = f.get_f32(arch_key(f, "rope.freq_base"), 10000.0f);
  read_rope_scaling(f, hp);
  hp.rope_n_dims = optional(f, "rope.dimension_count", c.head_dim);
  if (hp.rope_n_dims > c.head_dim || hp.rope_n_dims % 2 != 0) {
    throw Error(f.path() + ": rope.dimension_count " + std::to_string(hp.rope_n_dims) +
                " must be even and at most the head size " + std::to_string(c.head_dim));
  }
  return hp;
}

}  // namespace minke
