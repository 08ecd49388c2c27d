// HttpServer: Minke's OpenAI-compatible HTTP API over one Llm (cpp-httplib), and the web chat
// page at / (src/server/web/chat.html). Routes:
// POST /v1/chat/completions, POST /v1/completions (SSE when "stream"), GET /v1/models,
// GET /health, GET /metrics (Prometheus), POST /tokenize, POST /detokenize. Every error is OpenAI's
// error object. Each connection runs on its own thread and reads its request's output from the
// engine's stream; many requests share the engine's steps (continuous batching).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "minke/minke.h"

namespace minke {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                   // 0: any free port (see HttpServer::port)
  std::string api_key;               // empty: no key needed
  std::string model_id;              // the id /v1/models lists (the file's stem)
  std::vector<std::string> aliases;  // other names a request's "model" may use
  size_t max_body_bytes = 8 << 20;   // larger bodies get 413
  int32_t max_waiting = 64;          // requests queued beyond the running ones; more get 429
  int32_t parallel = 1;              // requests the engine computes together (LlmOptions)
  bool split_reasoning = true;       // <think> text goes to reasoning_content
  int32_t timeout_seconds = 600;     // a request still generating after this ends (408); 0: none
};

class HttpServer {
 public:
  HttpServer(Llm& llm, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the address; throws minke::Error when it cannot.
  void bind();
  int port() const;
  // Serves until stop(); returns once every connection is closed.
  void run();
  // Stops accepting, cancels the requests in flight. Thread-safe.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minke
