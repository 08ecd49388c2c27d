// compute_perplexity: see perplexity.h. Mirrors llama.cpp tools/perplexity (perplexity() and
// log_softmax()): first scored position n_ctx / 2, targets from the original token stream.
#include "engine/perplexity.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kv/kv_cache.h"
#include "minke/error.h"
#include "models/model.h"

namespace minke {

double token_nll(std::span<const float> logits, int32_t token) {
  float max = logits[0];
  for (const float x : logits) max = std::max(max, x);
  double sum_exp = 0.0;
  for (const float x : logits) sum_exp += std::exp(x - max);
  return -(static_cast<double>(logits[token] - max) - std::log(sum_exp));
}

namespace {

constexpr int32_t kSeq = 0;

// Runs one chunk [start, start + n_ctx) and adds the NLL of its scored tokens.
void score_chunk(Model& model, KvCache& kv, std::span<const int32_t> tokens, int64_t start,
                 const PerplexityOptions& o, double& nll, double& nll2, int64_t& count) {
  const auto n_vocab = static_cast<size_t>(model.config().n_vocab);
  const int32_t first = o.n_ctx / 2;
  std::vector<float> logits;
  Batch batch;
  kv.remove(kSeq);
  for (int32_t b0 = 0; b0 < o.n_ctx; b0 += o.n_batch) {
    const int32_t n = std::min(o.n_batch, o.n_ctx - b0);
    // Only the scored positions [first, n_ctx - 2] need logits: the output projection of the
    // others (half the chunk; the largest matmul of a big-vocabulary model) is skipped. A row's
    // logits do not depend on which other rows are wanted, so the result is the same.
    const int32_t s0 = std::max(b0, first), s1 = std::min(b0 + n, o.n_ctx - 1);
    batch.clear();
    for (int32_t j = b0; j < b0 + n; ++j) {
      const int32_t tok = (j == 0 && o.bos >= 0) ? o.bos : tokens[start + j];
      batch.add(tok, j, kSeq, j >= s0 && j < s1);
    }
    kv.reserve(kSeq, b0 + n);
    logits.resize(static_cast<size_t>(std::max(0, s1 - s0)) * n_vocab);
    model.forward(batch, kv, logits);
    for (int32_t j = s0; j < s1; ++j) {
      const std::span<const float> row(logits.data() + static_cast<size_t>(j - s0) * n_vocab,
                                       n_vocab);
      const double v = token_nll(row, tokens[start + j + 1]);
      nll += v;
      nll2 += v * v;
      ++count;
    }
  }
  kv.remove(kSeq);
}

}  // namespace

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

PerplexityResult compute_perplexity(Model& model, KvCache& kv, std::span<const int32_t> tokens,
                                    const PerplexityOptions& o,
                                    const PerplexityProgress& progress) {
  check_perplexity_input(tokens.size(), o);
  PerplexityResult r;
  r.n_chunk = static_cast<int32_t>(tokens.size() / o.n_ctx);
  double nll = 0, nll2 = 0;
  for (int32_t c = 0; c < r.n_chunk; ++c) {
    score_chunk(model, kv, tokens, static_cast<int64_t>(c) * o.n_ctx, o, nll, nll2, r.count);
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
