// compute_perplexity: see perplexity.h. Mirrors llama.cpp tools/perplexity (perplexity() and
// log_softmax()): first scored position n_ctx / 2, targets from the original token stream.
// The chunks run as scoring requests on the engine, like any other request.
#include "engine/perplexity.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/engine.h"
#include "minke/error.h"

namespace minke {

double token_nll(std::span<const float> logits, int32_t token) {
  float max = logits[0];
  for (const float x : logits) max = std::max(max, x);
  double sum_exp = 0.0;
  for (const float x : logits) sum_exp += std::exp(x - max);
  return -(static_cast<double>(logits[token] - max) - std::log(sum_exp));
}

void check_perplexity_input(size_t n_tokens, const PerplexityOptions& o) {
  if (o.n_ctx < 4) throw Error("perplexity needs a context of at least 4 tokens");
  if (o.n_batch < 1) throw Error("perplexity needs a batch of at least 1 token");
  if (n_tokens < 2 * static_cast<size_t>(o.n_ctx)) {
    throw Error("the text has " + std::to_string(n_tokens) +
                " tokens; perplexity with a context of " + std::to_string(o.n_ctx) +
                " needs at least " + std::to_string(2 * o.n_ctx) +
                " (give a longer text or a smaller -c)");
  }
}

PerplexityResult compute_perplexity(Engine& engine, std::span<const int32_t> tokens,
                                    const PerplexityOptions& o,
                                    const PerplexityProgress& progress) {
  check_perplexity_input(tokens.size(), o);
  PerplexityResult r;
  r.n_chunk = static_cast<int32_t>(tokens.size() / o.n_ctx);
  double nll = 0, nll2 = 0;
  // One scoring request per chunk, from an empty cache (no prefix reuse: llama-perplexity
  // clears the cache per chunk), in order: the sums add up in llama.cpp's order.
  for (int32_t c = 0; c < r.n_chunk; ++c) {
    const size_t start = static_cast<size_t>(c) * static_cast<size_t>(o.n_ctx);
    const std::span<const int32_t> chunk = tokens.subspan(start, static_cast<size_t>(o.n_ctx));
    std::vector<int32_t> prompt(chunk.begin(), chunk.end());
    if (o.bos >= 0) prompt[0] = o.bos;
    RequestResult done;
    engine.submit(Request{.prompt = std::move(prompt),
                          .max_tokens = 0,
                          .on_finish = [&done](const RequestResult& result) { done = result; },
                          .logits_from = o.n_ctx / 2,
                          .on_logits =
                              [&](int32_t pos, std::span<const float> logits) {
                                if (pos + 1 >= o.n_ctx)
                                  return;  // the last position has no next token to score
                                const double v =
                                    token_nll(logits, chunk[static_cast<size_t>(pos) + 1]);
                                nll += v;
                                nll2 += v * v;
                                ++r.count;
                              }});
    engine.run_until_idle();
    if (done.finish == FinishReason::kError) throw ModelFailure(done.error);
    r.running_ppl.push_back(std::exp(nll / static_cast<double>(r.count)));
    if (progress) progress(c + 1, r.n_chunk, r.running_ppl.back());
  }
  const auto count = static_cast<double>(r.count);
  r.nll_sum = nll;
  const double mean = nll / count;
  r.ppl = std::exp(mean);
  const double var = nll2 / count - mean * mean;
  r.ppl_error = var > 0 && r.count > 1 ? std::sqrt(var / (count - 1)) * r.ppl : 0.0;
  return r;
}

}  // namespace minke
