// `minke serve`: the OpenAI-compatible HTTP server (src/server/) on one model. Loopback by
// default; prints where it listens. SIGINT/SIGTERM stop accepting, cancel what runs, exit 0.
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "command.h"
#include "format.h"
#include "generation_flags.h"
#include "minke/minke.h"
#include "server/http_server.h"
#include "validators.h"

namespace minke::cli {
namespace {

struct ServeOptions {
  GenerationFlags load;  // model, threads, ctx_size, chat_template
  ServerOptions server;
  int64_t kv_tokens = 0;
  uint64_t memory_budget = 0;
  bool no_reasoning_split = false;
  std::string tool_call_format;
};

// Set by SIGINT/SIGTERM; a watcher thread stops the server (httplib is not signal-safe).
static_assert(std::atomic<int>::is_always_lock_free);
std::atomic<int> g_signal{0};
void on_signal(int sig) { g_signal = sig; }

int run_serve(ServeOptions& o) {
  // glibc gives each thread that allocates its own malloc arena and keeps their freed memory:
  // with a connection thread per request, RSS would creep up with the number of threads that
  // ever ran (measured: +5 % over 1500 mixed requests, flat with two arenas). The server's
  // memory must stay where the plan printed it.
  mallopt(M_ARENA_MAX, 2);
  std::unique_ptr<Llm> llm = load_llm(o.load, LlmOptions{.kv_tokens = o.kv_tokens,
                                                         .memory_budget = o.memory_budget,
                                                         .parallel = o.server.parallel,
                                                         .tool_call_format = o.tool_call_format});
  o.server.model_id = std::filesystem::path(o.load.model).stem().string();
  o.server.split_reasoning = !o.no_reasoning_split;
  HttpServer server(*llm, o.server);
  server.bind();
  const ModelInfo info = llm->info();
  std::fprintf(stderr,
               "minke: serving %s (%s) on http://%s:%d/v1 — up to %d requests at once, %d "
               "tokens of context each%s\n",
               o.server.model_id.c_str(), info.architecture.c_str(), o.server.host.c_str(),
               server.port(), o.server.parallel, info.ctx_size,
               o.server.api_key.empty() ? "" : ", API key required");
  const MemoryPlan m = llm->memory_plan();
  std::fprintf(stderr,
               "minke: memory: weights %s + KV cache %s (%lld tokens at %s%s, shared by all "
               "requests; the prefix cache lives in it)%s + buffers %s = %s%s\n",
               human_bytes(m.weights).c_str(), human_bytes(m.kv_cache).c_str(),
               static_cast<long long>(m.kv_tokens), human_bytes(m.kv_bytes_per_token).c_str(),
               m.kv_window == 0 ? ""
                                : (", with " + human_bytes(m.kv_window) +
                                   " for the sliding-window layers' last " +
                                   std::to_string(m.window_tokens) + " tokens of each request")
                                      .c_str(),
               m.recurrent_state == 0 ? ""
                                      : (" + recurrent state " + human_bytes(m.recurrent_state) +
                                         " (the running sequences' and prefix-cache snapshots)")
                                            .c_str(),
               human_bytes(m.buffers).c_str(), human_bytes(m.total()).c_str(),
               m.budget > 0 ? (" of a " + human_bytes(m.budget) + " budget").c_str() : "");
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::thread watcher([&server] {
    while (g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server.stop();
  });
  server.run();
  if (g_signal == 0) g_signal = -1;  // run() ended by itself: let the watcher go
  watcher.join();
  std::fprintf(stderr, "minke: server stopped\n");
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve", "Serve the model over an OpenAI-compatible HTTP API (/v1/chat/completions, ...)");
  sub->add_option("-m,--model", o->load.model,
                  "GGUF model file, or the name of one `minke pull` stored")
      ->transform(model_path())
      ->required()
      ->type_name("FILE");
  sub->add_option("--host", o->server.host, "Address to listen on (default 127.0.0.1)")
      ->type_name("ADDR");
  sub->add_option("--port", o->server.port, "Port to listen on (default 8080; 0: any free port)")
      ->check(int_in(0, 65535));
  sub->add_option("--parallel", o->server.parallel,
                  "Requests computed together, each with the full context (default 1)")
      ->check(int_in(1, 256));
  sub->add_option("-c,--ctx-size", o->load.ctx_size,
                  "Context per request (default: min(4096, the model's))")
      ->check(int_in(16, 1 << 24));
  sub->add_option("-t,--threads", o->load.threads, "Threads (default: the physical cores)")
      ->check(int_in(0, 1024));
  sub->add_option("--api-key", o->server.api_key,
                  "Require 'Authorization: Bearer KEY' on every route but /health");
  sub->add_option("--alias", o->server.aliases, "Another name the model answers to (repeatable)")
      ->type_name("NAME");
  sub->add_option("--max-waiting", o->server.max_waiting,
                  "Requests queued beyond the running ones before 429 (default 64)")
      ->check(int_in(0, 4096));
  sub->add_option("--kv-size", o->kv_tokens,
                  "Tokens of KV cache all requests share (default: ctx-size x parallel, or "
                  "what --mem-budget leaves)")
      ->check(int_in(1, int64_t{1} << 30));
  sub->add_option("--mem-budget", o->memory_budget,
                  "Memory for weights + KV cache + buffers, e.g. 6G or 512M: sizes the KV cache "
                  "to fit (or refuses naming what does not)")
      ->transform(CLI::AsSizeValue(false).description(""))
      ->type_name("SIZE");
  sub->add_option("--timeout", o->server.timeout_seconds,
                  "Seconds a request may take before it is ended with 408 (default 600; 0: no "
                  "limit)")
      ->check(int_in(0, 86400));
  sub->add_option("--chat-template", o->load.chat_template,
                  "Jinja chat template replacing the model's")
      ->type_name("FILE");
  sub->add_option("--tool-call-format", o->tool_call_format,
                  "How the model writes tool calls, instead of the one its template asks for "
                  "(generic, hermes, llama3, deepseek-v3, deepseek-v3.1, mistral, kimi-k2, "
                  "granite, harmony, qwen-xml, glm, gemma4)")
      ->type_name("NAME");
  sub->add_flag("--no-reasoning-split", o->no_reasoning_split,
                "Leave <think> text in 'content' instead of 'reasoning_content'");
  return {sub, [o] { return run_serve(*o); }};
}

}  // namespace minke::cli
