// The defaults every front end sizes a model run with, in one place: threads, the context, the
// KV cache's block size and its layout and bytes per token (asked of the model, which owns its
// cache spec). Llm::load, `minke perplexity`, `minke info` and the tests use these.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "kv/kv_cache.h"
#include "minke/minke.h"

namespace minke {

class Backend;
class GgufFile;
class Model;
class Tokenizer;
struct ModelConfig;

// A model file opened the one way every front end opens it (Llm::load, `minke perplexity`):
// open_model maps the file, checks it has weights and reads its tokenizer (cheap: callers
// check their input before the weights load); load_weights then prepares the weights on a
// CPU backend of `threads` threads (0: default_threads()).
struct LoadedModel {
  std::unique_ptr<GgufFile> file;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Model> model;
  int32_t threads = 0;
  LoadedModel();
  ~LoadedModel();
  LoadedModel(LoadedModel&&) noexcept;
  LoadedModel& operator=(LoadedModel&&) noexcept;
};
LoadedModel open_model(const std::string& path);
void load_weights(LoadedModel& m, int32_t threads);

// The context when the caller gives none: min(kDefaultContext, the model's training context).
inline constexpr int32_t kDefaultContext = 4096;
int32_t default_context(int32_t n_ctx_train);

// The physical cores this process may run on (SMT siblings once; at least 1).
int32_t default_threads();

// An upper bound of the activation memory (the backend's step arena) one step of
// max_batch_tokens tokens takes: per token, 5 feed-forward widths (the widest of the dense and
// the routed experts' hidden sizes), 8 embedding widths and 4 attention widths of f32, plus
// 4 MiB, and Gemma 4's per-layer inputs twice. It hardly depends on the context (attention runs in
// key tiles). Measured against the arena in model_setup_test.cpp.
uint64_t activation_bytes_estimate(const ModelConfig& config, int32_t max_batch_tokens);

// What the KV cache takes per token: in the layers that keep the whole context, and in the
// sliding-window layers, which keep only about `window` tokens per sequence (KvLayout::window).
struct KvFootprint {
  int64_t per_token = 0;
  int64_t window_per_token = 0;
  int32_t window = 0;
};
KvFootprint kv_footprint(const Model& model);
// Blocks the sliding-window layers' pool needs for o.max_seqs sequences stepping up to
// o.max_batch_tokens tokens at a time (0 without such layers).
int32_t window_pool_blocks(const KvFootprint& f, const EngineOptions& o);

// The memory a model run will hold: the file's tensors, a KV pool of options.kv_tokens (or
// n_ctx * max_seqs; or what `budget` leaves), the activation estimate and one logits row per
// sequence. Throws minke::Error naming what does not fit the budget. Returns the plan with
// options.kv_tokens set to the pool's size.
MemoryPlan plan_memory(const std::string& path, const Model& model, uint64_t weight_bytes,
                       uint64_t budget, EngineOptions& options);

// The cache an Engine with these options needs (Engine::kv_blocks_needed), laid out as the
// model needs.
KvCacheOptions kv_cache_options(const Model& model, const EngineOptions& options);

// Prefix-cache snapshots of a hybrid model's recurrent state kept per parallel sequence: room
// for a prompt's and an answer's, and for those of the conversations before.
inline constexpr int32_t kStateSnapshotsPerSeq = 4;
// How many snapshots the cache keeps (0 without the prefix cache).
int32_t state_snapshots(const EngineOptions& o);

}  // namespace minke
