// Llm's chat side: messages through the model's template, the <think> split, and tool calling
// (tools shown to the model in its template or the generic prompt, the call grammar, calls
// taken out of the answer and streamed as they are known).
#include <nlohmann/json.hpp>

#include "chat/reasoning.h"
#include "chat/tool_messages.h"
#include "engine/llm_impl.h"
#include "gguf/gguf_file.h"
#include "grammar/tool_call_grammar.h"
#include "minke/minke.h"

namespace minke {

std::string Llm::Impl::render(const std::vector<ChatMessage>& messages,
                              const nlohmann::ordered_json* tools,
                              bool add_generation_prompt) const {
  if (!chat_template) {
    throw Error(loaded.file->path() +
                ": the model has no chat template (tokenizer.chat_template); give one "
                "(--chat-template FILE) or use the raw prompt (--raw)");
  }
  ChatRenderOptions opts{.add_generation_prompt = add_generation_prompt,
                         .bos_token = gguf_template.bos_token,
                         .eos_token = gguf_template.eos_token};
  if (tools != nullptr) opts.tools = *tools;
  const bool has_calls = std::any_of(messages.begin(), messages.end(),
                                     [](const ChatMessage& m) { return !m.tool_calls.empty(); });
  try {
    return chat_template->render(chat_messages_json(messages, true), opts);
  } catch (const Error&) {
    if (!has_calls) throw;
  }
  return chat_template->render(chat_messages_json(messages, false), opts);
}

std::string Llm::render_chat(const std::vector<ChatMessage>& messages,
                             bool add_generation_prompt) const {
  return impl_->render(messages, nullptr, add_generation_prompt);
}

std::string Llm::render_chat(const std::vector<ChatMessage>& messages,
                             const GenerateOptions& options) const {
  if (options.tools.empty() || options.tool_choice.mode == ToolChoice::Mode::kNone) {
    return render_chat(messages);
  }
  return impl_->tool_prompt(messages, options).prompt;
}

GenerateResult Llm::chat(const std::vector<ChatMessage>& messages, const GenerateOptions& options,
                         const StreamCallback& on_chunk) {
  if (!options.tools.empty() && options.tool_choice.mode != ToolChoice::Mode::kNone) {
    return impl_->chat_with_tools(messages, options, on_chunk);
  }
  const std::string prompt = render_chat(messages);
  GenerateOptions o = options;
  o.split_reasoning = true;
  o.reasoning_open = prompt_opens_reasoning(prompt);
  const std::vector<int32_t> ids = impl_->encode_prompt(prompt);
  return impl_->generate(ids, o, impl_->grammar_for(o), on_chunk);
}

Llm::Impl::ToolPrompt Llm::Impl::tool_prompt(const std::vector<ChatMessage>& messages,
                                             const GenerateOptions& options) const {
  if (options.format.kind != OutputFormat::Kind::kText) {
    throw Error(
        "tools and an output format (response_format) cannot be combined: the tool-call "
        "format already fixes the answer's shape");
  }
  // A template that renders tools gets them as it expects; otherwise the generic prompt, with
  // the generic format unless one was chosen (LlmOptions::tool_call_format).
  const bool native = chat_template && template_renders_tools(chat_template->source());
  ToolPrompt p{.format = native || format_chosen ? tool_format : ToolCallFormat::kGeneric};
  if (native && tool_format != ToolCallFormat::kGeneric) {
    const nlohmann::ordered_json tools = tools_json(options.tools);
    p.prompt = render(messages, &tools, true);
  } else {
    p.prompt =
        render(with_generic_tool_prompt(messages, options.tools, options.tool_choice, p.format),
               nullptr, true);
  }
  const bool open = prompt_opens_reasoning(p.prompt);
  p.grammar = tool_call_gbnf({.format = p.format,
                              .tools = &options.tools,
                              .choice = options.tool_choice,
                              .parallel = options.parallel_tool_calls,
                              .reasoning = {.open = open, .optional = !open && has_think_token}});
  grammars.get(p.grammar.gbnf, p.grammar.root);  // compiles (and caches) now: errors show here
  return p;
}

GenerateResult Llm::Impl::chat_with_tools(const std::vector<ChatMessage>& messages,
                                          const GenerateOptions& options,
                                          const StreamCallback& on_chunk) {
  const ToolPrompt p = tool_prompt(messages, options);
  GenerateOptions o = options;
  o.split_reasoning = true;
  o.reasoning_open = prompt_opens_reasoning(p.prompt);
  const ToolCallFormat written = p.format;
  ToolCallSplitter splitter(written);
  // Content streams as it comes; text that may open a call is held until it is known.
  const auto forward = [&](const GenerateChunk& c) {
    if (c.thinking) return !on_chunk || on_chunk(c);
    const std::string shown = splitter.push(c.text);
    if (shown.empty() && !c.logprob && c.token < 0) return true;
    GenerateChunk out = c;
    out.text = shown;
    return !on_chunk || on_chunk(out);
  };
  GenerateResult r =
      generate(encode_prompt(p.prompt), o, grammars.get(p.grammar.gbnf, p.grammar.root), forward);
  // What was held and turned out not to be calls (a generic {"response": ...} answer's text
  // included) goes out now.
  const std::string held = splitter.finish();
  if (!held.empty() && on_chunk) on_chunk(GenerateChunk{.text = held});
  ParsedToolOutput parsed = parse_tool_calls(written, r.text);
  r.text = std::move(parsed.content);
  for (ParsedToolCall& c : parsed.calls) {
    std::string id = c.id.empty() ? new_tool_call_id(written == ToolCallFormat::kMistral) : c.id;
    r.tool_calls.push_back({std::move(id), std::move(c.name), std::move(c.arguments)});
  }
  for (const ToolCall& call : r.tool_calls) {
    if (on_chunk) on_chunk(GenerateChunk{.tool_call = &call});
  }
  if (!r.tool_calls.empty() && r.finish == FinishReason::kStop) r.finish = FinishReason::kToolCalls;
  return r;
}

}  // namespace minke
