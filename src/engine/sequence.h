// Sequence: the engine's state for one admitted request: its tokens so far, how many of them
// the KV cache holds, and the per-request sampler, detokenizer and stop-string matcher.
// Accepting a token allocates nothing: the token list is reserved for the whole context at
// admission and the text buffers are reused.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/request.h"
#include "engine/stop_matcher.h"
#include "grammar/grammar_constraint.h"
#include "sample/sampler.h"
#include "tokenizer/detokenizer.h"

namespace minke {

class Tokenizer;

// A sampled token's log-probabilities, as the runner computed them (empty when not asked).
struct TokenLogprobs {
  const float* logprob = nullptr;
  std::span<const TokenLogprob> top;
};

class Sequence {
 public:
  using Clock = std::chrono::steady_clock;

  // `tokens` (the vocabulary as grammars see it) is needed when the request has a grammar.
  Sequence(int64_t id, Request request, const Tokenizer& tokenizer, int32_t n_vocab, int32_t n_ctx,
           std::shared_ptr<const TokenTable> tokens = nullptr);

  int64_t id() const { return id_; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  int32_t n_prompt() const { return n_prompt_; }
  int32_t n_generated() const { return static_cast<int32_t>(tokens_.size()) - n_prompt_; }
  // Tokens whose K/V the cache holds; the rest must be fed before the next token is sampled.
  int32_t n_computed() const { return n_computed_; }
  int32_t n_pending() const { return static_cast<int32_t>(tokens_.size()) - n_computed_; }
  Sampler& sampler() { return sampler_; }
  bool cancel_requested() const;
  // Scores its prompt (Request::on_logits) and samples nothing.
  bool score_only() const { return request_.max_tokens == 0; }
  int32_t logprobs() const { return request_.logprobs; }
  int32_t logits_from() const { return request_.on_logits ? request_.logits_from : -1; }
  const std::function<void(int32_t, std::span<const float>)>& on_logits() const {
    return request_.on_logits;
  }
  // Whether the request's reader can take more output now (Request::ready).
  bool ready() const { return !request_.ready || request_.ready(); }
  void request_cancel() { cancel_requested_ = true; }

  int32_t kv_seq = -1;  // the KV cache sequence slot while admitted, else -1

  void mark_computed(int32_t n) { n_computed_ += n; }
  // Preempted: the cache dropped this sequence; everything is fed again on readmission.
  void reset_computed() { n_computed_ = 0; }
  // Admitted with the K/V of its first n tokens found in the prefix cache.
  void set_cached(int32_t n) {
    n_computed_ = n;
    if (n_cached_ < 0) n_cached_ = n;
  }
  // Records a sampled token, streams its text; returns the finish reason if it ends here.
  std::optional<FinishReason> accept(int32_t token, const TokenLogprobs& logprobs = {});
  // Calls on_finish (exactly once); `error` says why for FinishReason::kError.
  void finish(FinishReason reason, std::string error = {});

 private:
  std::optional<FinishReason> emit(int32_t token, std::string_view text, bool stopped,
                                   const TokenLogprobs& logprobs = {});
  // Streams what the decoder and stop matcher still hold, then ends with `reason`.
  std::optional<FinishReason> flush_and_end(FinishReason reason);

  int64_t id_;
  Request request_;
  const Tokenizer& tokenizer_;
  int32_t n_ctx_;
  std::vector<int32_t> tokens_;  // prompt, then sampled tokens; capacity n_ctx
  int32_t n_prompt_;
  int32_t n_computed_ = 0;
  int32_t n_cached_ = -1;  // prompt tokens found in the prefix cache at first admission
  bool cancel_requested_ = false;
  bool finished_ = false;
  std::unique_ptr<GrammarConstraint> constraint_;  // with Request::grammar; the sampler's filter
  Sampler sampler_;
  StreamingDecoder decoder_;
  StopMatcher stops_;
  Clock::time_point t_submit_, t_first_, t_last_;
};

}  // namespace minke
