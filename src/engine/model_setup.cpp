// Front-end defaults for sizing a model run (see model_setup.h).
#include "engine/model_setup.h"

#include <algorithm>
#include <string>

#include "minke/error.h"

#include "backend/cpu/cpu_backend.h"
#include "engine/host_info.h"
#include "engine/load_checks.h"
#include "gguf/gguf_file.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

namespace minke {

LoadedModel::LoadedModel() = default;
LoadedModel::~LoadedModel() = default;
LoadedModel::LoadedModel(LoadedModel&&) noexcept = default;
LoadedModel& LoadedModel::operator=(LoadedModel&&) noexcept = default;

LoadedModel open_model(const std::string& path) {
  LoadedModel m;
  m.file = GgufFile::open(path);
  check_has_weights(*m.file);
  m.tokenizer = Tokenizer::from_gguf(*m.file);
  return m;
}

void load_weights(LoadedModel& m, int32_t threads) {
  m.threads = threads > 0 ? threads : default_threads();
  m.backend = make_cpu_backend(CpuBackendOptions{.n_threads = m.threads});
  m.model = load_model(*m.file, *m.backend);
}

int32_t default_context(int32_t n_ctx_train) {
  return n_ctx_train > 0 ? std::min(kDefaultContext, n_ctx_train) : kDefaultContext;
}

int32_t default_threads() {
  // SMT siblings share one core's vector units: a second thread on them only adds contention.
  return std::max<int32_t>(1, physical_cores());
}

uint64_t activation_bytes_estimate(const ModelConfig& c, int32_t max_batch_tokens) {
  const int64_t ff =
      std::max<int64_t>(c.n_ff, int64_t{c.n_ff_exp} * c.n_expert_used + c.n_ff_shexp);
  // Absorbed MLA attends in latent space: each head's query is kv_lora_rank + RoPE wide.
  const int64_t head = std::max<int64_t>(c.head_dim, c.kv_lora_rank + c.qk_rope_dim);
  // Gemma 4's per-layer inputs live through the whole step: every layer's slice, twice.
  const int64_t per_layer = 2 * int64_t{c.n_layer} * c.n_embd_per_layer;
  const int64_t floats = 5 * ff + 8 * int64_t{c.n_embd} + 4 * int64_t{c.n_head} * head + per_layer;
  return static_cast<uint64_t>(floats) * 4 * static_cast<uint64_t>(max_batch_tokens) +
         (uint64_t{4} << 20);
}

KvFootprint kv_footprint(const Model& model) {
  KvFootprint f;
  for (int32_t il = 0; il < model.n_kv_layers(); ++il) {
    const KvLayout l = model.kv_layer_layout(il);
    (l.window > 0 ? f.window_per_token : f.per_token) += KvCache::bytes_per_token(1, l);
    f.window = std::max(f.window, l.window);
  }
  return f;
}

int32_t window_pool_blocks(const KvFootprint& f, const EngineOptions& o) {
  if (f.window == 0) return 0;
  // A step at position p reads from p - window + 1 and writes up to max_batch_tokens more.
  const int32_t per_seq = (f.window - 1 + o.max_batch_tokens + o.block_size - 1) / o.block_size + 1;
  return std::max(1, o.max_seqs) * per_seq;
}

namespace {

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

}  // namespace

MemoryPlan plan_memory(const std::string& path, const Model& model, uint64_t weight_bytes,
                       uint64_t budget, EngineOptions& o) {
  MemoryPlan plan{.weights = weight_bytes, .budget = budget};
  const KvFootprint footprint = kv_footprint(model);
  plan.kv_bytes_per_token = static_cast<uint64_t>(footprint.per_token);
  plan.window_tokens = footprint.window;
  // At most the main pool's size (checked below); this bound keeps the budget arithmetic simple.
  plan.kv_window = static_cast<uint64_t>(footprint.window_per_token) *
                   static_cast<uint64_t>(window_pool_blocks(footprint, o)) *
                   static_cast<uint64_t>(o.block_size);
  plan.buffers = activation_bytes_estimate(model.config(), o.max_batch_tokens) +
                 uint64_t{4} * static_cast<uint64_t>(model.config().n_vocab) *
                     static_cast<uint64_t>(o.max_seqs);
  plan.recurrent_state = static_cast<uint64_t>(model.recurrent_state_floats()) * 4 *
                         static_cast<uint64_t>(std::max(1, o.max_seqs) + state_snapshots(o));
  const uint64_t one_request = plan.kv_bytes_per_token * static_cast<uint64_t>(o.n_ctx);
  if (budget > 0) {
    const uint64_t fixed = plan.weights + plan.buffers + plan.recurrent_state + plan.kv_window;
    const uint64_t left = budget > fixed ? budget - fixed : 0;
    if (left < one_request) {
      const std::string state =
          plan.recurrent_state == 0 ? "" : ", recurrent state (" + mib(plan.recurrent_state) + ")";
      throw Error(path + ": a memory budget of " + mib(budget) + " holds the weights (" +
                  mib(plan.weights) + ")" + state + " and work buffers (" + mib(plan.buffers) +
                  "), leaving " + mib(left) + " for the KV cache, but one request of " +
                  std::to_string(o.n_ctx) + " tokens needs " + mib(one_request) +
                  ": raise the budget or lower the context (-c)");
    }
    const auto fits = plan.kv_bytes_per_token == 0
                          ? int64_t{1} << 30
                          : static_cast<int64_t>(left / plan.kv_bytes_per_token) / o.block_size *
                                o.block_size;  // whole blocks, so the pool stays inside the budget
    if (o.kv_tokens > fits) {
      throw Error(path + ": a KV cache of " + std::to_string(o.kv_tokens) + " tokens needs " +
                  mib(plan.kv_bytes_per_token * static_cast<uint64_t>(o.kv_tokens)) +
                  " but the memory budget leaves " + mib(left) + " for it");
    }
    if (o.kv_tokens <= 0) o.kv_tokens = std::min<int64_t>(fits, int64_t{1} << 30);
  }
  if (o.kv_tokens <= 0) o.kv_tokens = int64_t{o.n_ctx} * o.max_seqs;
  if (o.kv_tokens < o.n_ctx) {
    throw Error("the KV cache (" + std::to_string(o.kv_tokens) +
                " tokens) must hold at least one whole request of " + std::to_string(o.n_ctx) +
                " tokens (-c)");
  }
  plan.kv_tokens = o.kv_tokens;
  const auto main_blocks = static_cast<uint64_t>(Engine::kv_blocks_needed(o));
  plan.kv_window = std::min(plan.kv_window, static_cast<uint64_t>(footprint.window_per_token) *
                                                main_blocks * static_cast<uint64_t>(o.block_size));
  plan.kv_cache =
      plan.kv_bytes_per_token * main_blocks * static_cast<uint64_t>(o.block_size) + plan.kv_window;
  return plan;
}

int32_t state_snapshots(const EngineOptions& o) {
  return o.prefix_cache ? kStateSnapshotsPerSeq * std::max(1, o.max_seqs) : 0;
}

KvCacheOptions kv_cache_options(const Model& model, const EngineOptions& options) {
  KvLayout layout = model.kv_layout();
  layout.block_size = options.block_size;
  return KvCacheOptions{.n_layer = model.n_kv_layers(),
                        .layout = layout,
                        .layer_layouts = kv_layer_layouts(model, options.block_size),
                        .n_window_blocks = window_pool_blocks(kv_footprint(model), options),
                        .n_blocks = Engine::kv_blocks_needed(options),
                        .state_floats = model.recurrent_state_floats(),
                        .n_state_seqs = options.max_seqs,
                        .n_state_snapshots = state_snapshots(options)};
}

}  // namespace minke
