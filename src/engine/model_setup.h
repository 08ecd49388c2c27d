// The defaults every front end sizes a model run with, in one place: threads, the context, the
// KV cache's block size and its layout and bytes per token (asked of the model, which owns its
// cache spec). Llm::load, `minke perplexity`, `minke info` and the tests use these.
#pragma once

#include <cstdint>

#include "engine/engine.h"
#include "kv/kv_cache.h"

namespace minke {

class Model;

// The context when the caller gives none: min(kDefaultContext, the model's training context).
inline constexpr int32_t kDefaultContext = 4096;
int32_t default_context(int32_t n_ctx_train);

// The physical cores this process may run on (SMT siblings once; at least 1).
int32_t default_threads();

// Bytes of KV cache one token takes over all of the model's layers.
int64_t kv_cache_bytes_per_token(const Model& model);

// The cache an Engine with these options needs (Engine::kv_blocks_needed), laid out as the
// model needs.
KvCacheOptions kv_cache_options(const Model& model, const EngineOptions& options);

}  // namespace minke
