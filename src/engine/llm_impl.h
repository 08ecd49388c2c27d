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

  ToolCallFormat tool_format = ToolCallFormat::kGeneric;  // detected or LlmOptions'
  bool format_chosen = false;                             // LlmOptions named it

  std::vector<int32_t> encode_prompt(std::string_view text) const;
  // The compiled grammar for options.format (nullptr for plain text).
  std::shared_ptr<const Grammar> grammar_for(const GenerateOptions& options);
  // Messages (and tools, or null) through the chat template. Assistant tool-call arguments go
  // in as objects, or as JSON text when the template fails on objects (DeepSeek's concatenate).
  std::string render(const std::vector<ChatMessage>& messages, const nlohmann::ordered_json* tools,
                     bool add_generation_prompt) const;
  // A tool-calling chat's prompt, the format its calls are written in, and their grammar.
  struct ToolPrompt {
    std::string prompt;
    ToolCallFormat format = ToolCallFormat::kGeneric;
    FormatGrammar grammar;
  };
  ToolPrompt tool_prompt(const std::vector<ChatMessage>& messages,
                         const GenerateOptions& options) const;
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
