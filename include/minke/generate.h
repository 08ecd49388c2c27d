// Plain types describing a generation request and its outcome, shared by the public API
// (minke.h) and the engine: sampling options, stop conditions, streamed pieces, results.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minke {

// The most alternatives GenerateOptions::logprobs may ask for (OpenAI's top_logprobs limit).
inline constexpr int32_t kMaxTopLogprobs = 20;

// A token and its log-probability under the model.
struct TokenLogprob {
  int32_t token = -1;
  float logprob = 0;
};

// SamplingOptions::seed asking for a fresh random seed.
inline constexpr uint64_t kAnySeed = std::numeric_limits<uint64_t>::max();

// The largest SamplingOptions::repeat_last_n (the penalty window is allocated up front).
inline constexpr int32_t kMaxRepeatLastN = 1 << 20;

// Defaults follow llama.cpp's command-line defaults.
struct SamplingOptions {
  float temperature = 0.8f;  // <= 0: greedy
  int32_t top_k = 40;        // <= 0: off
  float top_p = 0.95f;       // 1: off
  float min_p = 0.05f;       // 0: off
  float repeat_penalty = 1.0f;
  float presence_penalty = 0.0f;   // OpenAI's: subtracted once if the token is in the window
  float frequency_penalty = 0.0f;  // OpenAI's: subtracted once per occurrence in the window
  int32_t repeat_last_n = 64;      // in [0, kMaxRepeatLastN]; 0: no penalty
  uint64_t seed = kAnySeed;
};

enum class FinishReason {
  kStop,       // end-of-generation token or a stop string
  kLength,     // max_tokens reached or the context is full
  kCancelled,  // the callback returned false, the cancel flag was set, or cancel() was called
  kError,      // the engine could not compute this request (its message says why)
};

inline const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kCancelled:
      return "cancelled";
    case FinishReason::kError:
      return "error";
  }
  return "?";
}

// One streamed piece: complete UTF-8 text (possibly empty while a multi-byte character or a
// possible stop string is pending) and the token that produced it.
struct GenerateChunk {
  std::string_view text;
  int32_t token = -1;
  bool thinking = false;  // text is reasoning (<think>...</think>), with split_reasoning
  // With GenerateOptions::logprobs >= 0, on the chunk a sampled token first appears in: its
  // log-probability under the model and the most likely tokens at that step (best first).
  std::optional<float> logprob;
  std::span<const TokenLogprob> top_logprobs;
};

// Returns false to stop the generation (finish reason kCancelled).
using StreamCallback = std::function<bool(const GenerateChunk&)>;

struct GenerateOptions {
  SamplingOptions sampling;
  int32_t max_tokens = -1;        // < 0: until end of generation or the context is full
  std::vector<std::string> stop;  // stop strings (not included in the output)
  // Checked before every step: setting it (e.g. from a SIGINT handler) stops the request.
  const std::atomic<bool>* cancel = nullptr;
  // >= 0: report each sampled token's log-probability (log-softmax of the model's logits, as
  // OpenAI's logprobs: before temperature and the other sampling transforms) and this many
  // top alternatives, at most kMaxTopLogprobs. -1: none.
  int32_t logprobs = -1;
  // Separate <think>…</think> reasoning from the answer (GenerateChunk::thinking,
  // GenerateResult::reasoning); reasoning_open: the prompt already opened the block (e.g.
  // DeepSeek-R1's template ends with "<think>\n"). Llm::chat sets both itself.
  bool split_reasoning = false;
  bool reasoning_open = false;
};

struct GenerateResult {
  std::string text;       // everything generated (the answer only when reasoning is split)
  std::string reasoning;  // with split_reasoning (chat()): the text inside <think>...</think>
  FinishReason finish = FinishReason::kStop;
  int32_t n_prompt = 0;     // prompt tokens
  int32_t n_cached = 0;     // of which the prefix cache held the K/V (not computed again)
  int32_t n_generated = 0;  // sampled tokens (including an end-of-generation token)
  double prefill_ms = 0;    // submit -> first token
  double decode_ms = 0;     // first token -> last token
  uint64_t seed = 0;        // the sampler seed used
};

}  // namespace minke
