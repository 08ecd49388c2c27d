// The OpenAI response bodies Minke serves, built from what the engine produced: chat.completion
// and text_completion, their streamed chunks (chat.completion.chunk), usage, and logprobs in
// the chat shape and in the legacy completions shape. Reasoning text goes to
// "reasoning_content", as DeepSeek's API returns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minke/generate.h"
#include "minke/minke.h"

namespace minke {

// What one choice produced.
struct ChoiceOutput {
  std::string text, reasoning;
  GenerateResult result;
  nlohmann::json logprobs = nullptr;  // the choice's "logprobs" field (null unless asked for)
};

// What every body and chunk of one response shares.
struct ResponseMeta {
  std::string id;  // chatcmpl-… / cmpl-…
  int64_t created = 0;
  std::string model;
  bool chat = true;  // chat completions, else (legacy) completions
};

// Every JSON text the server writes: text that is not valid UTF-8 (a token cut mid-character)
// becomes U+FFFD instead of an exception.
std::string dump(const nlohmann::json& j);

// "stop", "length" or "tool_calls".
const char* finish_reason_json(FinishReason r);
// {"id", "type": "function", "function": {"name", "arguments"}}.
nlohmann::json tool_call_json(const ToolCall& call);
// A call streamed as OpenAI streams one: a delta with its index, id, type and name (arguments
// ""), then one with the arguments.
nlohmann::json tool_call_deltas_json(const ToolCall& call, int32_t index);

nlohmann::json usage_json(int64_t n_prompt, const std::vector<ChoiceOutput>& outs);

// The whole (not streamed) response.
nlohmann::json completion_json(const ResponseMeta& meta, int64_t n_prompt,
                               const std::vector<ChoiceOutput>& outs);

// A streamed chunk holding `choices`, and one choice of it: a delta ({"content": …},
// {"reasoning_content": …}, {"role": …} or {}), its finish reason (null while it runs) and
// its tokens' logprobs (null unless asked for).
nlohmann::json chunk_json(const ResponseMeta& meta, nlohmann::json choices);
nlohmann::json delta_choice_json(const ResponseMeta& meta, int32_t index, nlohmann::json delta,
                                 nlohmann::json finish_reason, nlohmann::json logprobs = nullptr);

// An empty logprobs field to append tokens to, and one token's entry in it (chat:
// {"content": [{token, logprob, bytes, top_logprobs}]}; legacy: {tokens, token_logprobs,
// top_logprobs: [{token: logprob}], text_offset}). `text_offset`: bytes of the choice's text
// before this token (legacy shape).
nlohmann::json empty_logprobs_json(bool chat);
nlohmann::json token_logprobs_json(const Llm& llm, const GenerateChunk& chunk, bool chat,
                                   size_t text_offset);

}  // namespace minke
