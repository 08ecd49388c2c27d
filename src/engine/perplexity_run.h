// `minke perplexity`'s whole run over a model file: tokenize the text as llama-perplexity does
// (BOS when the model adds it, special-token text not parsed), refuse a too-short text or an
// impossible context before the weights load, then load the model on the CPU backend and score.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/perplexity.h"

namespace minke {

struct PerplexityRun {
  std::string model;      // GGUF file
  int32_t n_ctx = 512;    // tokens per chunk
  int32_t n_batch = 512;  // tokens per forward step (at most n_ctx)
  int32_t threads = 0;    // 0: every core
};

// What the run is about to do, reported once the model is loaded.
struct PerplexityStart {
  size_t n_tokens = 0;
  size_t n_chunks = 0;
  int32_t threads = 0;
};

// Throws minke::Error for an unreadable model, a too-short text or a context that cannot fit.
PerplexityResult perplexity_of_text(const PerplexityRun& run, std::string_view text,
                                    const std::function<void(const PerplexityStart&)>& on_start,
                                    const PerplexityProgress& progress);

}  // namespace minke
