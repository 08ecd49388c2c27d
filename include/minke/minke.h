// Minke's public C++ API: load a GGUF model, tokenize, render chats with the model's template,
// generate text with streaming. Every failure a caller can cause throws minke::Error.
//
//   auto llm = minke::Llm::load({.path = "model.gguf"});
//   llm->chat({{"user", "Hello"}}, {}, [](const minke::GenerateChunk& c) {
//     std::fwrite(c.text.data(), 1, c.text.size(), stdout);
//     return true;
//   });
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "minke/error.h"
#include "minke/generate.h"

namespace minke {

struct LlmOptions {
  std::string path;           // GGUF model file
  int32_t threads = 0;        // 0: the physical cores of the machine
  int32_t ctx_size = 0;       // tokens per conversation; 0: min(4096, the model's training context)
  std::string chat_template;  // Jinja source replacing the model's own; empty: the model's
  // The KV cache all requests share, in tokens; 0: ctx_size * parallel (with memory_budget:
  // whatever the budget leaves). A request may use up to ctx_size of it while blocks are
  // free; the prefix cache keeps finished requests' blocks in it until they are needed.
  int64_t kv_tokens = 0;
  // Bytes for weights + KV cache + work buffers together (0: no budget): sizes the KV cache to
  // fit, or load fails naming what does not fit.
  uint64_t memory_budget = 0;
  // Requests computed together, each with its own ctx_size context: as many threads may call
  // generate()/chat() at once and share every step; more calls wait for a free place.
  int32_t parallel = 1;
  // The tool-call format (chat/tool_call_format.h names: "hermes", "llama3", ...); empty: the
  // one the chat template asks for.
  std::string tool_call_format;
};

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", "tool"
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant: the calls it made
  std::string tool_call_id;          // tool: the call this result answers
  std::string name;                  // tool: the function's name (some templates show it)
  // assistant: the reasoning that came with it (reasoning_content in the API); templates see it
  // as `reasoning_content` (Qwen3) and `thinking` (gpt-oss) and decide what to keep.
  std::string reasoning;
};

struct ModelInfo {
  std::string architecture;
  std::string name;
  int32_t n_vocab = 0;
  int32_t ctx_size = 0;   // the context in use
  int32_t ctx_train = 0;  // the model's training context
  bool has_chat_template = false;
};

// What a loaded model holds in memory, as planned at load (Llm::memory_plan).
struct MemoryPlan {
  uint64_t weights = 0;             // the model file's tensors
  uint64_t kv_cache = 0;            // the KV pool (prefix cache included), kv_window included
  int64_t kv_tokens = 0;            // tokens it holds
  uint64_t kv_bytes_per_token = 0;  // of the layers that keep the whole context
  // Sliding-window layers keep only their last window_tokens tokens per sequence: a fixed pool.
  uint64_t kv_window = 0;
  int32_t window_tokens = 0;
  // Recurrent state of a hybrid model's linear-attention layers: one per parallel sequence,
  // whatever the context, and the prefix cache's snapshots of it (0 for other models).
  uint64_t recurrent_state = 0;
  uint64_t buffers = 0;  // activations of the largest step and logits (an upper bound)
  uint64_t budget = 0;   // LlmOptions::memory_budget (0: none)
  uint64_t total() const { return weights + kv_cache + recurrent_state + buffers; }
};

// What the engine is doing now (a snapshot; for monitoring).
struct LlmStats {
  int32_t requests_waiting = 0;  // submitted, not yet computing
  int32_t requests_running = 0;  // computing (their K/V in the cache)
  int32_t kv_blocks = 0;         // the KV pool, in blocks of kv_block_size tokens
  int32_t kv_blocks_free = 0;    // free, counting the cached ones below
  int32_t kv_blocks_cached = 0;  // prefix-cache blocks nobody uses (reusable, or reclaimable)
  int32_t kv_block_size = 0;
  int64_t prefix_hit_tokens = 0;    // prompt tokens whose K/V came from the prefix cache
  int64_t prefix_query_tokens = 0;  // prompt tokens looked up there
};

// Throws minke::Error("chat template L:C: ...") when `source` is not a chat template Minke can
// run; lets a front end name the file a bad --chat-template came from before the model loads.
void check_chat_template(const std::string& source);

// Throws minke::Error naming what is unusable in an output format (a JSON Schema keyword, a
// regex feature, a grammar line); lets a front end refuse it before the model loads.
void check_output_format(const OutputFormat& format);

// Thread-safe: any number of threads may call any method at once. Generation runs on the
// Llm's own engine thread; callbacks run on the calling thread.
class Llm {
 public:
  static std::unique_ptr<Llm> load(const LlmOptions& options);
  ~Llm();
  Llm(const Llm&) = delete;
  Llm& operator=(const Llm&) = delete;

  ModelInfo info() const;
  LlmStats stats() const;
  MemoryPlan memory_plan() const;

  // Token ids as llama.cpp gives them (add_special: BOS/EOS as the model asks; parse_special:
  // control-token text such as <|im_start|> becomes its id).
  std::vector<int32_t> tokenize(std::string_view text, bool add_special = true,
                                bool parse_special = true) const;
  std::string detokenize(std::span<const int32_t> tokens) const;
  // A token's raw bytes (a piece of UTF-8 text, possibly cut mid-character; control tokens
  // rendered as their text).
  std::string token_bytes(int32_t id) const;
  // The token ids generate(prompt) continues: BOS added when the model asks (not twice when
  // the text already starts with it), special-token text parsed.
  std::vector<int32_t> prompt_tokens(std::string_view prompt) const;

  // The prompt the chat template renders for the messages (with the assistant's generation
  // prompt when add_generation_prompt).
  std::string render_chat(const std::vector<ChatMessage>& messages,
                          bool add_generation_prompt = true) const;
  // The prompt chat(messages, options) renders: with options.tools (unless tool_choice is none)
  // shown as the model's tool-call format asks. Throws minke::Error for an unusable tool
  // (schema, name) or combination of options, as chat() would.
  std::string render_chat(const std::vector<ChatMessage>& messages,
                          const GenerateOptions& options) const;

  // Whether a rendered prompt leaves the model inside its reasoning block (DeepSeek-R1's
  // template opens <think>): the model's reasoning tags (Gemma 4's thought channel, else
  // <think>). For GenerateOptions::reasoning_open.
  bool prompt_opens_reasoning(std::string_view prompt) const;

  // Continues `prompt` exactly (tokenized with BOS when the model adds it); streams pieces.
  GenerateResult generate(std::string_view prompt, const GenerateOptions& options = {},
                          const StreamCallback& on_chunk = {});
  // Continues exactly these token ids (no BOS added).
  GenerateResult generate(std::span<const int32_t> prompt, const GenerateOptions& options = {},
                          const StreamCallback& on_chunk = {});
  // Compiles an output format (GenerateOptions::format; compiled grammars are cached) and throws
  // minke::Error naming what is unusable. generate() does the same; this lets a front end
  // refuse a request before it starts streaming.
  void check_output_format(const OutputFormat& format) const;

  // Renders the messages, generates the assistant's answer, and splits <think> reasoning from
  // the answer (GenerateChunk::thinking, GenerateResult::reasoning).
  GenerateResult chat(const std::vector<ChatMessage>& messages, const GenerateOptions& options = {},
                      const StreamCallback& on_chunk = {});

 private:
  struct Impl;
  explicit Llm(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace minke
