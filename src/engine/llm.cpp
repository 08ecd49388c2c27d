// minke::Llm (include/minke/minke.h): the public API over the engine. Owns the mapped GGUF
// file, the backend, the model, the tokenizer, the KV cache, an Engine for `parallel`
// sequences and the EngineLoop that runs it; each call submits a request and reads its output
// from a RequestStream on the caller's thread, so user callbacks never run inside a step.
#include <algorithm>
#include <exception>
#include <optional>

#include <nlohmann/json.hpp>

#include "backend/cpu/cpu_backend.h"
#include "chat/chat_template.h"
#include "chat/harmony.h"
#include "chat/reasoning.h"
#include "engine/engine.h"
#include "engine/engine_loop.h"
#include "engine/llm_impl.h"
#include "engine/load_checks.h"
#include "engine/model_setup.h"
#include "engine/request_stream.h"
#include "gguf/gguf_file.h"
#include "grammar/grammar_cache.h"
#include "grammar/output_format.h"
#include "kv/kv_cache.h"
#include "minke/minke.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

namespace minke {

namespace {

// The chunk that carries a token event's text (or part of it) and its log-probabilities.
GenerateChunk chunk_of(const TokenEvent& e, std::string_view text, bool thinking) {
  GenerateChunk c{.text = text, .token = e.token, .thinking = thinking};
  if (e.logprob != nullptr) {
    c.logprob = *e.logprob;
    c.top_logprobs = e.top_logprobs;
  }
  return c;
}

// Events a caller's stream holds before its request waits for the caller to read them.
constexpr size_t kStreamCapacity = 64;

SamplerParams to_sampler_params(const SamplingOptions& s) {
  return SamplerParams{.temperature = s.temperature,
                       .top_k = s.top_k,
                       .top_p = s.top_p,
                       .min_p = s.min_p,
                       .repeat_penalty = s.repeat_penalty,
                       .frequency_penalty = s.frequency_penalty,
                       .presence_penalty = s.presence_penalty,
                       .penalty_last_n = s.repeat_last_n,
                       .seed = s.seed == kAnySeed ? kRandomSeed : s.seed};
}

// The tool-call format LlmOptions names, or the one the chat template asks for.
ToolCallFormat tool_call_format(const LlmOptions& options,
                                const std::optional<ChatTemplate>& chat_template) {
  if (options.tool_call_format.empty()) {
    return chat_template ? detect_tool_call_format(chat_template->source())
                         : ToolCallFormat::kGeneric;
  }
  if (const auto f = tool_call_format_from_name(options.tool_call_format)) return *f;
  std::string names;
  for (const std::string& n : tool_call_format_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error("unknown tool-call format '" + options.tool_call_format + "' (one of: " + names +
              ")");
}

}  // namespace

void check_chat_template(const std::string& source) { ChatTemplate::parse(source); }

void check_output_format(const OutputFormat& format) {
  if (format.kind == OutputFormat::Kind::kText) return;
  const FormatGrammar g = output_format_gbnf(format);
  compile_gbnf(g.gbnf, g.root);
}

Llm::Llm(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Llm::~Llm() = default;

std::unique_ptr<Llm> Llm::load(const LlmOptions& options) {
  if (options.threads < 0) throw Error("threads must be >= 0 (0: every core)");
  if (options.ctx_size < 0) throw Error("ctx_size must be >= 0 (0: the default)");
  if (options.parallel < 1) throw Error("parallel must be >= 1");
  if (options.kv_tokens < 0) throw Error("kv_tokens must be >= 0 (0: ctx_size * parallel)");
  auto impl = std::make_unique<Impl>();
  impl->loaded = open_model(options.path);
  // The template is parsed before the weights and KV cache are set up: a bad one fails fast.
  impl->gguf_template = read_gguf_chat_template(*impl->loaded.file);
  std::string source =
      options.chat_template.empty() ? impl->gguf_template.source : options.chat_template;
  if (!source.empty()) {
    try {
      impl->chat_template = ChatTemplate::parse(std::move(source));
    } catch (const Error& e) {
      if (!options.chat_template.empty()) throw;  // the caller knows where its template came from
      throw Error(options.path + ": tokenizer.chat_template: " + e.what() +
                  " (give a working template with --chat-template FILE, or use --raw)");
    }
  }
  impl->tool_format = tool_call_format(options, impl->chat_template);
  load_weights(impl->loaded, options.threads);
  const ModelConfig& cfg = impl->loaded.model->config();
  impl->n_ctx = options.ctx_size > 0 ? options.ctx_size : default_context(cfg.n_ctx_train);
  EngineOptions engine_options{
      .n_ctx = impl->n_ctx, .max_seqs = options.parallel, .kv_tokens = options.kv_tokens};
  impl->memory = plan_memory(options.path, *impl->loaded.model, impl->loaded.file->file_size(),
                             options.memory_budget, engine_options);
  check_context(
      options.path, cfg,
      ContextRequest{.n_ctx = impl->n_ctx,
                     .kv_tokens = engine_options.kv_tokens,
                     .kv_bytes_per_token = static_cast<int64_t>(impl->memory.kv_bytes_per_token),
                     .weight_bytes = impl->loaded.file->file_size(),
                     .scratch_bytes = impl->memory.buffers});
  impl->kv = std::make_unique<KvCache>(*impl->loaded.backend,
                                       kv_cache_options(*impl->loaded.model, engine_options));
  impl->engine = std::make_unique<Engine>(*impl->loaded.model, *impl->kv, *impl->loaded.tokenizer,
                                          engine_options);
  impl->loop = std::make_unique<EngineLoop>(*impl->engine);
  const auto& ids = impl->loaded.tokenizer->vocab().token_to_id;
  impl->has_think_token = ids.count("<think>") != 0;
  if (ids.count("<|channel>") != 0 && ids.count("<channel|>") != 0) {
    impl->reasoning_tags = {.open_tag = "<|channel>thought", .close_tag = "<channel|>"};
  }
  impl->harmony = impl->loaded.tokenizer->vocab().token_to_id.count("<|channel|>") != 0 &&
                  impl->chat_template &&
                  impl->chat_template->source().find("<|channel|>") != std::string::npos;
  return std::unique_ptr<Llm>(new Llm(std::move(impl)));
}

ModelInfo Llm::info() const {
  const ModelConfig& cfg = impl_->loaded.model->config();
  return ModelInfo{.architecture = cfg.arch,
                   .name = std::string(impl_->loaded.file->get_string("general.name", "")),
                   .n_vocab = cfg.n_vocab,
                   .ctx_size = impl_->n_ctx,
                   .ctx_train = cfg.n_ctx_train,
                   .has_chat_template = impl_->chat_template.has_value()};
}

MemoryPlan Llm::memory_plan() const { return impl_->memory; }

LlmStats Llm::stats() const {
  const EngineStats s = impl_->engine->stats();
  return LlmStats{.requests_waiting = s.waiting,
                  .requests_running = s.running,
                  .kv_blocks = s.kv_blocks,
                  .kv_blocks_free = s.kv_blocks_free,
                  .kv_blocks_cached = s.kv_blocks_cached,
                  .kv_block_size = s.block_size,
                  .prefix_hit_tokens = s.prefix_hit_tokens,
                  .prefix_query_tokens = s.prefix_query_tokens};
}

std::vector<int32_t> Llm::tokenize(std::string_view text, bool add_special,
                                   bool parse_special) const {
  return impl_->loaded.tokenizer->encode(
      text, EncodeOptions{.add_special = add_special, .parse_special = parse_special});
}

std::string Llm::detokenize(std::span<const int32_t> tokens) const {
  return impl_->loaded.tokenizer->decode(tokens);
}

std::string Llm::token_bytes(int32_t id) const {
  if (id < 0 || id >= impl_->loaded.model->config().n_vocab) {
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary");
  }
  return impl_->loaded.tokenizer->token_to_piece(id, /*render_special=*/true);
}

std::vector<int32_t> Llm::prompt_tokens(std::string_view prompt) const {
  return impl_->encode_prompt(prompt);
}

// Tokenized like llama.cpp's front ends: BOS added when the model asks, special-token text
// parsed; a template that already wrote the BOS text does not get a second one.
std::vector<int32_t> Llm::Impl::encode_prompt(std::string_view text) const {
  std::vector<int32_t> ids = loaded.tokenizer->encode(text);
  const int32_t bos = loaded.tokenizer->bos();
  if (ids.size() >= 2 && bos >= 0 && ids[0] == bos && ids[1] == bos) ids.erase(ids.begin());
  return ids;
}

std::shared_ptr<const Grammar> Llm::Impl::grammar_for(const GenerateOptions& options) {
  if (options.format.kind == OutputFormat::Kind::kText) return nullptr;
  const ReasoningPrefix reasoning{
      .open = options.split_reasoning && options.reasoning_open,
      .optional = options.split_reasoning && !options.reasoning_open && has_think_token,
      .harmony = options.split_reasoning && harmony};
  const FormatGrammar g = output_format_gbnf(options.format, reasoning);
  return grammars.get(g.gbnf, g.root);
}

void Llm::check_output_format(const OutputFormat& format) const {
  if (format.kind == OutputFormat::Kind::kText) return;
  const FormatGrammar g = output_format_gbnf(format);
  impl_->grammars.get(g.gbnf, g.root);
}

GenerateResult Llm::Impl::run(std::vector<int32_t> prompt, const GenerateOptions& options,
                              std::shared_ptr<const Grammar> grammar,
                              const std::function<bool(const TokenEvent&)>& on_token) {
  if (options.max_tokens == 0) return GenerateResult{.n_prompt = int32_t(prompt.size())};
  auto stream = std::make_shared<RequestStream>(kStreamCapacity, loop->waker());
  Request req{.prompt = std::move(prompt),
              .sampling = to_sampler_params(options.sampling),
              .max_tokens = options.max_tokens,
              .stop = options.stop,
              .grammar = std::move(grammar),
              .cancel = options.cancel,
              .logprobs = options.logprobs};
  RequestStream::attach(stream, req);
  const int64_t id = loop->submit(std::move(req));
  // Read to the end even when the caller stops early or throws: the final event comes once
  // the engine has let the request go.
  bool cancelled = false;
  std::exception_ptr thrown;
  RequestResult done;
  for (;;) {
    RequestStream::Event e = stream->next();
    if (e.result) {
      done = std::move(*e.result);
      break;
    }
    if (cancelled || !on_token) continue;
    try {
      cancelled = !on_token(TokenEvent{.token = e.token,
                                       .text = e.text,
                                       .logprob = e.logprob ? &*e.logprob : nullptr,
                                       .top_logprobs = e.top_logprobs});
    } catch (...) {
      thrown = std::current_exception();
      cancelled = true;
    }
    if (cancelled) loop->cancel(id);
  }
  if (thrown) std::rethrow_exception(thrown);
  if (done.finish == FinishReason::kError) throw ModelFailure(done.error);
  // The engine may have finished before it saw the cancellation: the caller stopped all the
  // same, and saw only the text up to there.
  return GenerateResult{.finish = cancelled ? FinishReason::kCancelled : done.finish,
                        .n_prompt = done.n_prompt,
                        .n_cached = done.n_cached,
                        .n_generated = done.n_generated,
                        .prefill_ms = done.prefill_ms,
                        .decode_ms = done.decode_ms,
                        .seed = done.seed};
}

GenerateResult Llm::generate(std::string_view prompt, const GenerateOptions& options,
                             const StreamCallback& on_chunk) {
  const std::vector<int32_t> ids = impl_->encode_prompt(prompt);
  return generate(std::span<const int32_t>(ids), options, on_chunk);
}

bool Llm::prompt_opens_reasoning(std::string_view prompt) const {
  return minke::prompt_opens_reasoning(prompt, impl_->reasoning_tags);
}

GenerateResult Llm::generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                             const StreamCallback& on_chunk) {
  return impl_->generate(prompt, options, impl_->grammar_for(options), on_chunk);
}

GenerateResult Llm::Impl::generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                                   std::shared_ptr<const Grammar> grammar,
                                   const StreamCallback& on_chunk) {
  std::unique_ptr<OutputSplitter> splitter;
  if (options.split_reasoning && harmony) {
    splitter = std::make_unique<HarmonySplitter>();
  } else if (options.split_reasoning) {
    ReasoningOptions tags = reasoning_tags;
    tags.start_in_reasoning = options.reasoning_open;
    splitter = std::make_unique<ReasoningSplitter>(tags);
  }
  std::string answer, reasoning;
  // A token's log-probabilities ride on its first chunk (or on an empty one while its text is
  // held back).
  const auto deliver = [&](const std::vector<ReasoningPiece>& pieces, const TokenEvent& e) {
    bool first = true;
    for (const ReasoningPiece& p : pieces) {
      (p.thinking ? reasoning : answer) += p.text;
      GenerateChunk c =
          first ? chunk_of(e, p.text, p.thinking)
                : GenerateChunk{.text = p.text, .token = e.token, .thinking = p.thinking};
      first = false;
      if (on_chunk && !on_chunk(c)) return false;
    }
    if (pieces.empty() && e.token >= 0 && on_chunk) {
      return on_chunk(chunk_of(e, {}, splitter && splitter->in_reasoning()));
    }
    return true;
  };
  GenerateResult r = run(std::vector<int32_t>(prompt.begin(), prompt.end()), options,
                         std::move(grammar), [&](const TokenEvent& e) {
                           if (!splitter)
                             return deliver({ReasoningPiece{false, std::string(e.text)}}, e);
                           return deliver(splitter->push(e.text), e);
                         });
  if (splitter) deliver(splitter->flush(), TokenEvent{});
  r.text = std::move(answer);
  r.reasoning = std::move(reasoning);
  return r;
}

}  // namespace minke
