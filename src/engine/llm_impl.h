// Llm::Impl: what a loaded Llm holds, shared by llm.cpp (loading, generation) and
// llm_chat.cpp (chat templates, tool calling).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "chat/tool_call_format.h"
#include "engine/engine.h"
#include "engine/engine_loop.h"
#include "engine/model_setup.h"
#include "grammar/grammar_cache.h"
#include "grammar/output_format.h"
#include "kv/kv_cache.h"
#include "minke/minke.h"

namespace minke {

struct Llm::Impl {
  LoadedModel loaded;  // file, tokenizer, backend, model
  std::unique_ptr<KvCache> kv;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<EngineLoop> loop;  // after the engine: stops before it goes
  GgufChatTemplate gguf_template;
  std::optional<ChatTemplate> chat_template;
  int32_t n_ctx = 0;
  MemoryPlan memory;
  mutable GrammarCache grammars;  // thread-safe
  bool has_think_token = false;   // the model may open its own <think> block (Qwen3)
  // The tags around the model's reasoning: <think>...</think>, or Gemma 4's thought channel
  // <|channel>thought ... <channel|> (its template writes an empty one when thinking is off).
  ReasoningOptions reasoning_tags;
  // The chat is in the Harmony format (gpt-oss): its vocabulary and template use <|channel|>;
  // reasoning and calls are messages of their own (HarmonySplitter, ReasoningPrefix::harmony).
  bool harmony = false;

  ToolCallFormat tool_format = ToolCallFormat::kGeneric;  // detected or LlmOptions'

  std::vector<int32_t> encode_prompt(std::string_view text) const;
  // The compiled grammar for options.format (nullptr for plain text).
  std::shared_ptr<const Grammar> grammar_for(const GenerateOptions& options);
  // Messages (and tools, or null) through the chat template, with earlier tool calls in the
  // form the template shows them; nullopt when it cannot show them at all.
  std::optional<std::string> render(const std::vector<ChatMessage>& messages,
                                    const nlohmann::ordered_json* tools,
                                    bool add_generation_prompt) const;
  // A chat's prompt; with tools, the format calls are written in and the grammar that keeps
  // the answer to it (calls under auto/required, no call under none).
  struct ChatPrompt {
    std::string prompt;
    ToolCallFormat format = ToolCallFormat::kGeneric;
    std::optional<FormatGrammar> grammar;
  };
  ChatPrompt chat_prompt(const std::vector<ChatMessage>& messages, const GenerateOptions& options,
                         bool add_generation_prompt) const;
  GenerateResult chat_with_tools(const std::vector<ChatMessage>& messages,
                                 const GenerateOptions& options, const StreamCallback& on_chunk);
  // Generates with the reasoning split as the options ask, constrained by `grammar` (or not).
  GenerateResult generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                          std::shared_ptr<const Grammar> grammar, const StreamCallback& on_chunk);
  GenerateResult run(std::vector<int32_t> prompt, const GenerateOptions& options,
                     std::shared_ptr<const Grammar> grammar,
                     const std::function<bool(const TokenEvent&)>& on_token);
};

}  // namespace minke
