// Request: what a front end submits to the engine (prompt tokens, sampling, stop conditions,
// streaming and completion callbacks) and RequestResult, what it gets back when it finishes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/grammar.h"
#include "minke/generate.h"
#include "sample/sampler.h"

namespace minke {

// One generated token and the text it completed (UTF-8-whole; empty while a character or a
// possible stop string is pending). The end-of-generation token is not reported.
struct TokenEvent {
  int32_t token = -1;
  std::string_view text;
  const float* logprob = nullptr;              // Request::logprobs >= 0: the token's
  std::span<const TokenLogprob> top_logprobs;  // and the top alternatives
};

struct RequestResult {
  int64_t id = 0;
  FinishReason finish = FinishReason::kStop;
  int32_t n_prompt = 0;
  int32_t n_generated = 0;      // sampled tokens, including a final end-of-generation token
  int32_t n_cached = 0;         // prompt tokens whose K/V came from the prefix cache
  std::vector<int32_t> tokens;  // the sampled tokens
  double prefill_ms = 0;        // submit -> first sampled token
  double decode_ms = 0;         // first -> last sampled token
  uint64_t seed = 0;
  std::string error;  // FinishReason::kError: what went wrong
};

struct Request {
  std::vector<int32_t> prompt;
  SamplerParams sampling;
  int32_t max_tokens = -1;  // < 0: until end of generation or the context is full
  std::vector<std::string> stop;
  bool ignore_eog = false;  // keep going past end-of-generation tokens (benchmarks)
  // Constrained decoding: every sampled token keeps the output a prefix of a sentence of this
  // grammar; the request ends (kStop) once the sentence is complete.
  std::shared_ptr<const Grammar> grammar;
  // The hooks run on the engine's thread, inside its step: they must be quick and never wait
  // for a client (RequestStream hands events to another thread through a bounded queue).
  // Called for each sampled token; returning false cancels the request.
  std::function<bool(const TokenEvent&)> on_token;
  // Called once when the request leaves the engine, whatever the reason.
  std::function<void(const RequestResult&)> on_finish;
  // Polled when a step is planned: while it returns false the request is held back (its
  // reader has not taken the text produced so far) and takes no part in steps.
  std::function<bool()> ready;
  // Polled before every step; when set the request is cancelled and its KV blocks freed.
  const std::atomic<bool>* cancel = nullptr;
  // Scoring (perplexity): the logits row of every prompt position >= logits_from is handed to
  // on_logits (on the engine's thread; rows in position order). With max_tokens == 0 the
  // request samples nothing and ends (kStop) once its prompt is computed; its prompt may then
  // fill the whole context.
  int32_t logits_from = -1;
  int32_t logprobs = -1;  // see GenerateOptions::logprobs
  std::function<void(int32_t position, std::span<const float> logits)> on_logits;
};

}  // namespace minke
