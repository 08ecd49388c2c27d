// Llm's chat side: messages through the model's template, the <think> split, and tool calling
// (tools shown to the model in its template or the generic prompt, the call grammar, calls
// taken out of the answer and streamed as they are known).
#include <set>

#include <nlohmann/json.hpp>

#include "chat/reasoning.h"
#include "chat/tool_messages.h"
#include "engine/llm_impl.h"
#include "gguf/gguf_file.h"
#include "grammar/tool_call_grammar.h"
#include "minke/minke.h"

namespace minke {

std::optional<std::string> Llm::Impl::render(const std::vector<ChatMessage>& messages,
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
  const bool has_results = std::any_of(messages.begin(), messages.end(),
                                       [](const ChatMessage& m) { return m.role == "tool"; });
  if (!has_calls && !has_results)
    return chat_template->render(chat_messages_json(messages, {}), opts);
  if (!has_calls) {
    try {
      return chat_template->render(chat_messages_json(messages, {}), opts);
    } catch (const Error&) {
      return std::nullopt;  // a template without a tool role (Gemma's)
    }
  }
  // Templates disagree on a message that only calls tools: content "" or null (Qwen3 fails on
  // null, DeepSeek-R1's writes its calls only for null), arguments as objects or as JSON text
  // (DeepSeek's concatenate them). The first form that renders and shows the calls (differs
  // from the history without them) is the one; none: the template cannot show calls (or tool
  // results), and the caller writes them as generic JSON instead.
  std::vector<ChatMessage> without_calls = messages;
  for (ChatMessage& m : without_calls) m.tool_calls.clear();
  std::optional<std::string> base;
  try {
    base = chat_template->render(chat_messages_json(without_calls, {}), opts);
  } catch (const Error&) {
  }
  for (const bool null_content : {false, true}) {
    for (const bool objects : {true, false}) {
      try {
        std::string out = chat_template->render(
            chat_messages_json(messages, {.arguments_as_objects = objects,
                                          .null_content_for_calls = null_content}),
            opts);
        if (out != base) return out;
      } catch (const Error&) {
      }
    }
  }
  return std::nullopt;
}

std::string Llm::render_chat(const std::vector<ChatMessage>& messages,
                             bool add_generation_prompt) const {
  return impl_->chat_prompt(messages, {}, add_generation_prompt).prompt;
}

std::string Llm::render_chat(const std::vector<ChatMessage>& messages,
                             const GenerateOptions& options) const {
  return impl_->chat_prompt(messages, options, true).prompt;
}

GenerateResult Llm::chat(const std::vector<ChatMessage>& messages, const GenerateOptions& options,
                         const StreamCallback& on_chunk) {
  if (calls_tools(options)) return impl_->chat_with_tools(messages, options, on_chunk);
  const Impl::ChatPrompt p = impl_->chat_prompt(messages, options, true);
  GenerateOptions o = options;
  o.split_reasoning = true;
  o.reasoning_open = prompt_opens_reasoning(p.prompt);
  std::shared_ptr<const Grammar> grammar =
      p.grammar ? impl_->grammars.get(p.grammar->gbnf, p.grammar->root) : impl_->grammar_for(o);
  return impl_->generate(impl_->encode_prompt(p.prompt), o, std::move(grammar), on_chunk);
}

// The prompt, and for tool calling the format and grammar of the calls. A template that renders
// tools gets them (also under tool_choice none, when the model may not call them: many such
// templates expect the list whenever the history has calls); otherwise the generic prompt
// describes them, and calls and results in the history are written as its JSON.
Llm::Impl::ChatPrompt Llm::Impl::chat_prompt(const std::vector<ChatMessage>& messages,
                                             const GenerateOptions& options,
                                             bool add_generation_prompt) const {
  // Calls are written in the template's own format (or the one chosen), even where the
  // template does not list the tools itself (DeepSeek's): the model was trained on it.
  const std::string_view source = chat_template ? std::string_view(chat_template->source()) : "";
  const bool shows_tools =
      tool_format != ToolCallFormat::kGeneric && template_renders_tools(source);
  ChatPrompt p{.format = tool_format};
  std::optional<std::string> prompt;
  if (shows_tools) {
    const nlohmann::ordered_json tools = tools_json(options.tools);
    prompt = render(messages, options.tools.empty() ? nullptr : &tools, add_generation_prompt);
    // A template that lists tools but cannot show earlier calls gets them as generic JSON.
    if (!prompt) {
      prompt = render(with_generic_tool_prompt(messages, {}, {}, p.format, true),
                      options.tools.empty() ? nullptr : &tools, add_generation_prompt);
    }
  } else {
    prompt = render(
        with_generic_tool_prompt(messages, options.tools, options.tool_choice, p.format, false),
        nullptr, add_generation_prompt);
    if (!prompt) {
      prompt = render(
          with_generic_tool_prompt(messages, options.tools, options.tool_choice, p.format, true),
          nullptr, add_generation_prompt);
    }
  }
  p.prompt = std::move(prompt).value();
  if (options.tools.empty()) return p;
  if (options.format.kind != OutputFormat::Kind::kText) {
    throw Error(
        "tools and an output format (response_format) cannot be combined: the tool-call "
        "format already fixes the answer's shape");
  }
  const bool open = minke::prompt_opens_reasoning(p.prompt, reasoning_tags);
  const ReasoningPrefix reasoning{
      .open = open, .optional = !open && has_think_token, .harmony = harmony};
  if (options.tool_choice.mode == ToolChoice::Mode::kNone) {
    // The model sees the tools but may not call them: its text may not open a call.
    if (!tool_call_opening(p.format).empty()) p.grammar = no_tool_call_gbnf(p.format, reasoning);
  } else {
    p.grammar = tool_call_gbnf({.format = p.format,
                                .tools = &options.tools,
                                .choice = options.tool_choice,
                                .parallel = options.parallel_tool_calls,
                                .reasoning = reasoning});
  }
  if (p.grammar) grammars.get(p.grammar->gbnf, p.grammar->root);  // compiled now: errors show here
  return p;
}

GenerateResult Llm::Impl::chat_with_tools(const std::vector<ChatMessage>& messages,
                                          const GenerateOptions& options,
                                          const StreamCallback& on_chunk) {
  const ChatPrompt p = chat_prompt(messages, options, true);
  GenerateOptions o = options;
  o.split_reasoning = true;
  o.reasoning_open = minke::prompt_opens_reasoning(p.prompt, reasoning_tags);
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
      generate(encode_prompt(p.prompt), o, grammars.get(p.grammar->gbnf, p.grammar->root), forward);
  // What was held and turned out not to be calls (a generic {"response": ...} answer's text
  // included) goes out now.
  const std::string held = splitter.finish();
  if (!held.empty() && on_chunk) on_chunk(GenerateChunk{.text = held});
  ParsedToolOutput parsed = parse_tool_calls(written, r.text, &options.tools);
  r.text = std::move(parsed.content);
  // Ids the model wrote (Mistral) are kept unless missing or repeated: clients match results
  // to calls by id.
  std::set<std::string> ids;
  for (ParsedToolCall& c : parsed.calls) {
    std::string id = c.id;
    while (id.empty() || !ids.insert(id).second) {
      id = new_tool_call_id(written == ToolCallFormat::kMistral);
    }
    r.tool_calls.push_back({std::move(id), std::move(c.name), std::move(c.arguments)});
  }
  for (const ToolCall& call : r.tool_calls) {
    if (on_chunk) on_chunk(GenerateChunk{.tool_call = &call});
  }
  if (!r.tool_calls.empty() && r.finish == FinishReason::kStop) r.finish = FinishReason::kToolCalls;
  return r;
}

}  // namespace minke
