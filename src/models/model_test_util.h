// Helpers for tests that drive a Model: a KV cache sized for it, running token spans of one
// sequence, argmax and greedy generation (argmax loop, one token per forward()).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "kv/kv_cache.h"
#include "models/model.h"

namespace minke::testing {

// Recurrent state (hybrid models) for up to n_seqs sequences at once.
inline std::unique_ptr<KvCache> make_kv_cache(Backend& be, const Model& m, int32_t n_ctx,
                                              int32_t block_size = 16, int32_t n_seqs = 16) {
  KvLayout layout = m.kv_layout();
  layout.block_size = block_size;
  return std::make_unique<KvCache>(be,
                                   KvCacheOptions{.n_layer = m.n_kv_layers(),
                                                  .layout = layout,
                                                  .layer_layouts = kv_layer_layouts(m, block_size),
                                                  .n_ctx_total = n_ctx,
                                                  .state_floats = m.recurrent_state_floats(),
                                                  .n_state_seqs = n_seqs});
}

// Runs tokens at positions pos0.. of `seq` in one forward(); returns the logits of every token
// ([tokens.size(), n_vocab]) or only of the last one.
inline std::vector<float> run_tokens(Model& m, KvCache& kv, std::span<const int32_t> tokens,
                                     int32_t seq, int32_t pos0, bool all_logits) {
  Batch b;
  for (size_t i = 0; i < tokens.size(); ++i) {
    b.add(tokens[i], pos0 + static_cast<int32_t>(i), seq, all_logits || i + 1 == tokens.size());
  }
  kv.reserve(seq, pos0 + static_cast<int32_t>(tokens.size()));
  const size_t n_out = all_logits ? tokens.size() : 1;
  std::vector<float> logits(n_out * static_cast<size_t>(m.config().n_vocab));
  m.forward(b, kv, logits);
  return logits;
}

// The index of the largest value (the first one on ties).
inline int32_t argmax(std::span<const float> row) {
  return static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

// Greedy continuation of `prompt` (prefilled in one call) for n tokens, one decode call each.
inline std::vector<int32_t> greedy(Model& m, KvCache& kv, std::span<const int32_t> prompt,
                                   int32_t seq, int n) {
  std::vector<float> logits = run_tokens(m, kv, prompt, seq, 0, false);
  std::vector<int32_t> out;
  auto pos = static_cast<int32_t>(prompt.size());
  for (int i = 0; i < n; ++i) {
    const int32_t tok = argmax(logits);
    out.push_back(tok);
    if (i + 1 == n) break;
    logits = run_tokens(m, kv, std::span<const int32_t>(&tok, 1), seq, pos++, false);
  }
  return out;
}

}  // namespace minke::testing
