// Perplexity of a model on a token stream, computed the way llama.cpp's llama-perplexity does:
// chunks of n_ctx tokens, each from an empty cache with BOS as its first token when the model
// adds BOS, and only the second half of each chunk scored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace minke {

class Engine;

struct PerplexityOptions {
  int32_t n_ctx = 512;    // tokens per chunk
  int32_t n_batch = 512;  // tokens per forward call (the engine's max_batch_tokens)
  int32_t bos = -1;       // >= 0: replaces each chunk's first token (models that add BOS)
};

struct PerplexityResult {
  int32_t n_chunk = 0;
  int64_t count = 0;                // scored tokens
  double nll_sum = 0;               // sum of -log p(token)
  double ppl = 0;                   // exp(mean NLL)
  double ppl_error = 0;             // llama-perplexity's "+/-": ppl * stddev(NLL) / sqrt(count - 1)
  std::vector<double> running_ppl;  // after each chunk
};

// Called after each chunk with (chunks done, chunks in all, running perplexity).
using PerplexityProgress = std::function<void(int32_t, int32_t, double)>;

// Throws minke::Error when the options are unusable or n_tokens is fewer than 2 * n_ctx (as
// llama-perplexity); compute_perplexity calls it, front ends may call it before loading weights.
void check_perplexity_input(size_t n_tokens, const PerplexityOptions& options);

// Scores the chunks as requests on `engine` (whose context must be options.n_ctx and whose
// step budget sets the batch: options.n_batch). Throws as check_perplexity_input does, and
// ModelFailure if the model cannot compute a chunk.
PerplexityResult compute_perplexity(Engine& engine, std::span<const int32_t> tokens,
                                    const PerplexityOptions& options,
                                    const PerplexityProgress& progress = {});

// -log softmax(logits)[token] as llama-perplexity computes it (float max, double sum of expf).
double token_nll(std::span<const float> logits, int32_t token);

}  // namespace minke
