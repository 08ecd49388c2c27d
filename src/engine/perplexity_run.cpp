// perplexity_of_text: model file to perplexity (see perplexity_run.h).
#include "engine/perplexity_run.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "engine/engine.h"
#include "engine/load_checks.h"
#include "engine/model_setup.h"
#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

namespace minke {

PerplexityResult perplexity_of_text(const PerplexityRun& run, std::string_view text,
                                    const std::function<void(const PerplexityStart&)>& on_start,
                                    const PerplexityProgress& progress) {
  LoadedModel m = open_model(run.model);
  const std::vector<int32_t> tokens =
      m.tokenizer->encode(text, {.add_special = true, .parse_special = false});
  const PerplexityOptions options{.n_ctx = run.n_ctx,
                                  .n_batch = std::min(run.n_batch, run.n_ctx),
                                  .bos = m.tokenizer->add_bos_default() ? m.tokenizer->bos() : -1};
  // Too short a text fails here, before the weights and the KV cache are set up.
  check_perplexity_input(tokens.size(), options);
  load_weights(m, run.threads);
  const ModelConfig& cfg = m.model->config();
  // The logits of a whole batch are kept: n_batch x n_vocab floats.
  check_context(run.model, cfg,
                ContextRequest{.n_ctx = run.n_ctx,
                               .kv_bytes_per_token = kv_footprint(*m.model).per_token,
                               .weight_bytes = m.file->file_size(),
                               .scratch_bytes = static_cast<uint64_t>(options.n_batch) *
                                                static_cast<uint64_t>(cfg.n_vocab) * 4});
  const EngineOptions engine_options{
      .n_ctx = run.n_ctx, .max_batch_tokens = options.n_batch, .prefix_cache = false};
  KvCache kv(*m.backend, kv_cache_options(*m.model, engine_options));
  Engine engine(*m.model, kv, *m.tokenizer, engine_options);
  if (on_start) {
    on_start({.n_tokens = tokens.size(),
              .n_chunks = tokens.size() / static_cast<size_t>(run.n_ctx),
              .threads = m.threads});
  }
  return compute_perplexity(engine, tokens, options, progress);
}

}  // namespace minke
