// Sequence: per-request state and output processing (end-of-generation, length, stop strings,
// streaming callbacks). See sequence.h.
#include "engine/sequence.h"

#include <algorithm>

#include "core/check.h"
#include "tokenizer/tokenizer.h"

namespace minke {
namespace {

double ms_between(Sequence::Clock::time_point a, Sequence::Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

Sequence::Sequence(int64_t id, Request request, const Tokenizer& tokenizer, int32_t n_vocab,
                   int32_t n_ctx, std::shared_ptr<const TokenTable> tokens)
    : id_(id),
      request_(std::move(request)),
      tokenizer_(tokenizer),
      n_ctx_(n_ctx),
      tokens_(request_.prompt),
      n_prompt_(static_cast<int32_t>(tokens_.size())),
      sampler_(request_.sampling, n_vocab),
      decoder_(tokenizer.vocab()),
      stops_(request_.stop),
      t_submit_(Clock::now()) {
  tokens_.reserve(static_cast<size_t>(std::max(n_ctx, n_prompt_)));
  if (request_.grammar != nullptr) {
    MINKE_CHECK(tokens != nullptr);
    constraint_ = std::make_unique<GrammarConstraint>(request_.grammar, std::move(tokens));
    sampler_.set_filter(constraint_.get());
  }
}

bool Sequence::cancel_requested() const {
  return cancel_requested_ || (request_.cancel != nullptr && request_.cancel->load());
}

std::optional<FinishReason> Sequence::accept(int32_t token, const TokenLogprobs& logprobs) {
  t_last_ = Clock::now();
  if (n_generated() == 0) t_first_ = t_last_;
  tokens_.push_back(token);
  sampler_.accept(token);
  // The sampler only picks tokens the grammar allows, so this cannot fail.
  if (constraint_ != nullptr) MINKE_CHECK(constraint_->accept(token));
  if (!request_.ignore_eog && tokenizer_.is_eog(token)) return flush_and_end(FinishReason::kStop);
  const StopMatcher::Result r = stops_.push(decoder_.push(token));
  if (auto reason = emit(token, r.text, r.stopped, logprobs)) return reason;
  // A complete sentence of the grammar ends the output without waiting for an end token.
  if (constraint_ != nullptr && constraint_->complete()) return flush_and_end(FinishReason::kStop);
  if ((request_.max_tokens >= 0 && n_generated() >= request_.max_tokens) ||
      static_cast<int32_t>(tokens_.size()) >= n_ctx_) {
    return flush_and_end(FinishReason::kLength);
  }
  return std::nullopt;
}

std::optional<FinishReason> Sequence::flush_and_end(FinishReason reason) {
  std::string rest = decoder_.flush();
  rest += stops_.flush();
  return emit(-1, rest, false).value_or(reason);
}

// Streams text for a token (token -1: the leftovers at the end); a false from the callback
// cancels. Returns kStop when a stop string was found.
std::optional<FinishReason> Sequence::emit(int32_t token, std::string_view text, bool stopped,
                                           const TokenLogprobs& logprobs) {
  if (request_.on_token && (token >= 0 || !text.empty())) {
    if (!request_.on_token(TokenEvent{token, text, logprobs.logprob, logprobs.top})) {
      return FinishReason::kCancelled;
    }
  }
  if (stopped) return FinishReason::kStop;
  return std::nullopt;
}

void Sequence::finish(FinishReason reason, std::string error) {
  if (finished_) return;
  finished_ = true;
  RequestResult result{.id = id_,
                       .finish = reason,
                       .n_prompt = n_prompt_,
                       .n_generated = n_generated(),
                       .n_cached = std::max(n_cached_, 0),
                       .tokens = std::vector<int32_t>(tokens_.begin() + n_prompt_, tokens_.end()),
                       .seed = sampler_.seed(),
                       .error = std::move(error)};
  if (n_generated() > 0) {
    result.prefill_ms = ms_between(t_submit_, t_first_);
    result.decode_ms = ms_between(t_first_, t_last_);
  }
  if (request_.on_finish) request_.on_finish(result);
}

}  // namespace minke
