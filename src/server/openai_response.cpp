// OpenAI response bodies: see openai_response.h. Shapes follow OpenAI's API reference.
#include "server/openai_response.h"

namespace minke {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

const char* finish_reason_json(FinishReason r) {
  if (r == FinishReason::kToolCalls) return "tool_calls";
  return r == FinishReason::kLength ? "length" : "stop";
}

json tool_call_json(const ToolCall& call) {
  return {{"id", call.id},
          {"type", "function"},
          {"function", {{"name", call.name}, {"arguments", call.arguments}}}};
}

json tool_call_deltas_json(const ToolCall& call, int32_t index) {
  json opening = tool_call_json(call);
  opening["index"] = index;
  opening["function"]["arguments"] = "";
  return json::array({opening, {{"index", index}, {"function", {{"arguments", call.arguments}}}}});
}

json usage_json(int64_t n_prompt, const std::vector<ChoiceOutput>& outs) {
  int64_t n = 0;
  for (const ChoiceOutput& o : outs) n += o.result.n_generated;
  return {{"prompt_tokens", n_prompt},
          {"completion_tokens", n},
          {"total_tokens", n_prompt + n},
          {"prompt_tokens_details", {{"cached_tokens", outs.at(0).result.n_cached}}}};
}

json completion_json(const ResponseMeta& meta, int64_t n_prompt,
                     const std::vector<ChoiceOutput>& outs) {
  json choices = json::array();
  for (size_t i = 0; i < outs.size(); ++i) {
    json choice = {{"index", i},
                   {"logprobs", outs[i].logprobs},
                   {"finish_reason", finish_reason_json(outs[i].result.finish)}};
    if (meta.chat) {
      const std::vector<ToolCall>& calls = outs[i].result.tool_calls;
      json message = {
          {"role", "assistant"},
          {"content", calls.empty() || !outs[i].text.empty() ? json(outs[i].text) : json(nullptr)}};
      if (!outs[i].reasoning.empty()) message["reasoning_content"] = outs[i].reasoning;
      if (!calls.empty()) {
        message["tool_calls"] = json::array();
        for (const ToolCall& c : calls) message["tool_calls"].push_back(tool_call_json(c));
      }
      choice["message"] = message;
    } else {
      choice["text"] = outs[i].text;
    }
    choices.push_back(choice);
  }
  return {{"id", meta.id},           {"object", meta.chat ? "chat.completion" : "text_completion"},
          {"created", meta.created}, {"model", meta.model},
          {"choices", choices},      {"usage", usage_json(n_prompt, outs)}};
}

json chunk_json(const ResponseMeta& meta, json choices) {
  return {{"id", meta.id},
          {"object", meta.chat ? "chat.completion.chunk" : "text_completion"},
          {"created", meta.created},
          {"model", meta.model},
          {"choices", std::move(choices)}};
}

json delta_choice_json(const ResponseMeta& meta, int32_t index, json delta, json finish_reason,
                       json logprobs) {
  json choice = {{"index", index}, {"logprobs", std::move(logprobs)}};
  if (meta.chat) {
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = delta.value("content", "");
  }
  choice["finish_reason"] = std::move(finish_reason);
  return choice;
}

json empty_logprobs_json(bool chat) {
  if (chat) return {{"content", json::array()}};
  return {{"tokens", json::array()},
          {"token_logprobs", json::array()},
          {"top_logprobs", json::array()},
          {"text_offset", json::array()}};
}

json token_logprobs_json(const Llm& llm, const GenerateChunk& chunk, bool chat,
                         size_t text_offset) {
  const auto entry = [&llm](int32_t id, float logprob) {
    const std::string bytes = llm.token_bytes(id);
    json raw = json::array();
    for (const char b : bytes) raw.push_back(static_cast<unsigned char>(b));
    return json{{"token", bytes}, {"logprob", logprob}, {"bytes", raw}};
  };
  if (chat) {
    json e = entry(chunk.token, *chunk.logprob);
    e["top_logprobs"] = json::array();
    for (const TokenLogprob& t : chunk.top_logprobs) {
      e["top_logprobs"].push_back(entry(t.token, t.logprob));
    }
    return {{"content", json::array({e})}};
  }
  json top = json::object();
  for (const TokenLogprob& t : chunk.top_logprobs) top[llm.token_bytes(t.token)] = t.logprob;
  return {{"tokens", json::array({llm.token_bytes(chunk.token)})},
          {"token_logprobs", json::array({*chunk.logprob})},
          {"top_logprobs", json::array({top})},
          {"text_offset", json::array({text_offset})}};
}

}  // namespace minke
