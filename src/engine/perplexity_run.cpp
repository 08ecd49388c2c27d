// perplexity_of_text: model file to perplexity (see perplexity_run.h).
#include "engine/perplexity_run.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "backend/cpu/cpu_backend.h"
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
  const auto gguf = GgufFile::open(run.model);
  check_has_weights(*gguf);
  const auto tokenizer = Tokenizer::from_gguf(*gguf);
  const std::vector<int32_t> tokens =
      tokenizer->encode(text, {.add_special = true, .parse_special = false});
  const PerplexityOptions options{.n_ctx = run.n_ctx,
                                  .n_batch = std::min(run.n_batch, run.n_ctx),
                                  .bos = tokenizer->add_bos_default() ? tokenizer->bos() : -1};
  // Too short a text fails here, before the weights and the KV cache are set up.
  check_perplexity_input(tokens.size(), options);
  const int32_t threads = run.threads > 0 ? run.threads : default_threads();
  const auto backend = make_cpu_backend({.n_threads = threads});
  const auto model = load_model(*gguf, *backend);
  const ModelConfig& cfg = model->config();
  // The logits of a whole batch are kept: n_batch x n_vocab floats.
  check_context(run.model, cfg,
                ContextRequest{.n_ctx = run.n_ctx,
                               .kv_bytes_per_token = kv_cache_bytes_per_token(*model),
                               .weight_bytes = gguf->file_size(),
                               .scratch_bytes = static_cast<uint64_t>(options.n_batch) *
                                                static_cast<uint64_t>(cfg.n_vocab) * 4});
  KvCache kv(*backend, kv_cache_options(*model, EngineOptions{.n_ctx = run.n_ctx}));
  if (on_start) {
    on_start({.n_tokens = tokens.size(),
              .n_chunks = tokens.size() / static_cast<size_t>(run.n_ctx),
              .threads = threads});
  }
  return compute_perplexity(*model, kv, tokens, options, progress);
}

}  // namespace minke
