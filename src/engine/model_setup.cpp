// Front-end defaults for sizing a model run (see model_setup.h).
#include "engine/model_setup.h"

#include <algorithm>

#include "engine/host_info.h"
#include "models/model.h"

namespace minke {

int32_t default_context(int32_t n_ctx_train) {
  return n_ctx_train > 0 ? std::min(kDefaultContext, n_ctx_train) : kDefaultContext;
}

int32_t default_threads() {
  // SMT siblings share one core's vector units: a second thread on them only adds contention.
  return std::max<int32_t>(1, physical_cores());
}

int64_t kv_cache_bytes_per_token(const Model& model) {
  // Model::kv_bytes_per_token is per layer.
  return model.kv_bytes_per_token() * model.config().n_layer;
}

KvCacheOptions kv_cache_options(const Model& model, const EngineOptions& options) {
  KvLayout layout = model.kv_layout();
  layout.block_size = options.block_size;
  return KvCacheOptions{.n_layer = model.config().n_layer,
                        .layout = layout,
                        .n_blocks = Engine::kv_blocks_needed(options)};
}

}  // namespace minke
