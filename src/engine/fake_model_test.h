// Test doubles for the engine: a 257-token byte vocabulary (id 256 = end of generation) and a
// fake Model whose greedy continuation of a letter is the next letter ('z' -> end). It records
// every batch and checks that the KV cache holds each token's position; it can be told to fail
// on a token, as a model that runs out of memory or meets a bad input would.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kv/kv_cache.h"
#include "minke/error.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

namespace minke::testing {

inline constexpr int32_t kFakeEos = 256;

inline std::unique_ptr<Tokenizer> fake_tokenizer() {
  Vocab v;
  for (int b = 0; b < 256; ++b) {
    // Byte-level form: printable ASCII maps to itself; others are never used by these tests.
    v.tokens.push_back({std::string(1, static_cast<char>(b)), 0, kAttrNormal});
  }
  v.tokens.push_back({"</s>", 0, kAttrControl});
  v.eos = kFakeEos;
  v.eog = {kFakeEos};
  v.pre = "gpt-2";
  return Tokenizer::from_vocab(v);
}

inline std::vector<int32_t> ids_of(const std::string& text) {
  return std::vector<int32_t>(text.begin(), text.end());
}

class FakeModel : public Model {
 public:
  FakeModel() {
    config_.arch = "fake";
    config_.n_vocab = 257;
    config_.n_ctx_train = 4096;
    config_.n_layer = 1;
    config_.n_head = 1;
    config_.n_head_kv = 1;
    config_.head_dim = 8;
  }
  const ModelConfig& config() const override { return config_; }
  KvLayout kv_layout() const override { return {.n_head_kv = 1, .head_dim = 8}; }
  int64_t kv_bytes_per_token() const override { return 32; }

  static int32_t next_token(int32_t token) {
    if (token >= 'a' && token < 'z') return token + 1;
    if (token == 'z') return kFakeEos;
    return 'a';
  }

  void forward(const Batch& batch, KvCache& kv, std::span<float> logits) override {
    for (const int32_t t : batch.tokens) {
      if (t == fail_on_token) throw Error("cannot compute token " + std::to_string(t));
    }
    batches.push_back(batch);
    size_t row = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      EXPECT_GT(kv.n_tokens(batch.seq_ids[i]), batch.positions[i]) << "KV not reserved";
      if (!batch.want_logits[i]) continue;
      std::span<float> out = logits.subspan(row++ * config_.n_vocab, config_.n_vocab);
      std::fill(out.begin(), out.end(), 0.0f);
      out[next_token(batch.tokens[i])] = 10.0f;
    }
    EXPECT_EQ(row * config_.n_vocab, logits.size());
  }

  std::vector<Batch> batches;  // every batch computed (not those that failed)
  int32_t fail_on_token = -1;  // forward() throws for a batch holding this token

 private:
  ModelConfig config_;
};

}  // namespace minke::testing
