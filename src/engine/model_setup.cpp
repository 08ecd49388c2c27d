// Front-end defaults for sizing a model run (see model_setup.h).
#include "engine/model_setup.h"

#include <algorithm>
#include <thread>

#include "models/model.h"

namespace minke {

int32_t default_context(int32_t n_ctx_train) {
  return n_ctx_train > 0 ? std::min(kDefaultContext, n_ctx_train) : kDefaultContext;
}

int32_t default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int32_t>(n);
}

int64_t kv_cache_bytes_per_token(const Model& model) {
  // Model::kv_bytes_per_token is per layer.
  return model.kv_bytes_per_token() * model.config().n_layer;
}

KvCacheOptions kv_cache_options(const Model& model, const EngineOptions& options) {
  const ModelConfig& c = model.config();
  return KvCacheOptions{.n_layer = c.n_layer,
                        .layout = {.block_size = options.block_size,
                                   .n_head_kv = c.n_head_kv,
                                   .head_dim = c.head_dim},
                        .n_blocks = Engine::kv_blocks_needed(options)};
}

}  // namespace minke
