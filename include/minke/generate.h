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
  kToolCalls,  // the answer is tool calls (GenerateResult::tool_calls)
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
    case FinishReason::kToolCalls:
      return "tool_calls";
  }
  return "?";
}

// A call the model made: arguments is the JSON text of an object, valid under the tool's
// parameters whenever the call was constrained (tool_choice required or a function, or a call
// started under auto).
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
};

// One streamed piece: complete UTF-8 text (possibly empty while a multi-byte character or a
// possible stop string is pending) and the token that produced it.
struct GenerateChunk {
  std::string_view text;
  // Set (text empty) when the answer's tool calls are known, once per call, at the end.
  const ToolCall* tool_call = nullptr;
  int32_t token = -1;
  bool thinking = false;  // text is reasoning (<think>...</think>), with split_reasoning
  // With GenerateOptions::logprobs >= 0, on the chunk a sampled token first appears in: its
  // log-probability under the model and the most likely tokens at that step (best first).
  std::optional<float> logprob;
  std::span<const TokenLogprob> top_logprobs;
};

// Returns false to stop the generation (finish reason kCancelled).
using StreamCallback = std::function<bool(const GenerateChunk&)>;

// Structured output: what the generated text must be. The sampler only picks tokens that keep
// the text a prefix of a valid output, and generation ends when the output is complete.
struct OutputFormat {
  enum class Kind {
    kText,        // anything
    kJsonSchema,  // a JSON document valid under the JSON Schema in `source`
    kJsonObject,  // any JSON object
    kGrammar,     // a sentence of the GBNF grammar in `source` (llama.cpp's format, rule "root")
    kRegex,       // text the regular expression in `source` matches as a whole
  };
  Kind kind = Kind::kText;
  std::string source;
};

// A function the model may call (OpenAI's tools[].function).
struct Tool {
  std::string name;
  std::string description;
  std::string parameters = "{}";  // JSON Schema of the arguments object (JSON text)
};

// OpenAI's tool_choice.
struct ToolChoice {
  enum class Mode {
    kAuto,      // the model answers or calls
    kNone,      // the model answers (the tools are not shown to it)
    kRequired,  // the model calls one or more tools
    kFunction,  // the model calls `function`
  };
  Mode mode = Mode::kAuto;
  std::string function;
};

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
  // Constrains the answer (after any reasoning: a reasoning model still thinks freely first).
  // An unusable schema, grammar or regex throws minke::Error naming what is wrong.
  OutputFormat format;
  // Tool calling (Llm::chat): the functions the model may call, written in the model's own
  // tool-call format; calls come back in GenerateResult::tool_calls, never in the text.
  std::vector<Tool> tools;
  ToolChoice tool_choice;
  bool parallel_tool_calls = true;  // more than one call in an answer
};

// Whether a chat with these options may call tools (tools given, tool_choice not none).
inline bool calls_tools(const GenerateOptions& options) {
  return !options.tools.empty() && options.tool_choice.mode != ToolChoice::Mode::kNone;
}

struct GenerateResult {
  std::string text;  // everything generated (the answer only when reasoning is split)
  std::vector<ToolCall> tool_calls;  // with tools: the calls (finish is then kToolCalls)
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
