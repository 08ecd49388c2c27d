// HttpServer: see http_server.h. Bodies are parsed in openai_request.cpp and built in
// openai_response.cpp; this file routes, runs the choices on the engine and streams. A request
// is checked in full (body, model, sampling, prompt length) before any byte of a stream is
// sent, so every client mistake is a 4xx with an error object.
#include "server/http_server.h"

#include <httplib.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "chat/reasoning.h"
#include "server/metrics.h"
#include "server/openai_request.h"
#include "server/openai_response.h"
#include "server/web_page.h"

namespace minke {
namespace {

using nlohmann::json;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(prefix) + hex;
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) {
  send_json(res, e.status, error_body(e));
}

json parse_body(const httplib::Request& req) {
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& e) {
    throw ApiError::invalid(std::string("the body is not valid JSON: ") + e.what());
  }
}

// A piece of a choice's streamed text; a token's first piece also carries the token's
// log-probabilities (null unless asked for).
struct Piece {
  bool thinking = false;
  std::string text;
  json logprobs = nullptr;
};
using PieceSink = std::function<bool(const Piece&)>;

// Writes SSE events for one response; choices on several threads share it.
class EventWriter {
 public:
  explicit EventWriter(httplib::DataSink& sink) : sink_(sink) {}
  bool send(const json& event) { return write("data: " + dump(event) + "\n\n"); }
  bool done() { return write("data: [DONE]\n\n"); }
  bool ok() const { return ok_; }

 private:
  bool write(const std::string& s) {
    std::lock_guard lock(mutex_);
    if (ok_) ok_ = sink_.write(s.data(), s.size());
    return ok_;
  }
  httplib::DataSink& sink_;
  std::mutex mutex_;
  bool ok_ = true;
};

}  // namespace

struct HttpServer::Impl {
  Llm& llm;
  ServerOptions opt;
  httplib::Server http;
  std::atomic<bool> stopping{false};
  std::atomic<int32_t> in_flight{0};
  int bound_port = 0;
  ServerMetrics metrics;
  using Clock = std::chrono::steady_clock;

  Impl(Llm& l, ServerOptions o) : llm(l), opt(std::move(o)) {}

  void add_routes();
  bool authorized(const httplib::Request& req) const;
  void check_model(const std::string& name) const;
  std::vector<int32_t> checked_prompt(std::string_view text) const;
  void check_prompt_tokens(const std::vector<int32_t>& ids) const;
  void handle(const httplib::Request& req, httplib::Response& res,
              const std::function<void(const json&, httplib::Response&)>& body_handler);
  void chat(const json& body, httplib::Response& res);
  void completion(const json& body, httplib::Response& res);
  // reasoning: how to split <think> text off (nullopt: not at all).
  void generate(const GenerationRequest& r, std::vector<int32_t> prompt, bool chat,
                std::optional<ReasoningOptions> reasoning, httplib::Response& res);
  // Every choice of a request, choice 0 on this thread and the others beside it; `out` gets
  // each choice's text as it comes (false: stop them all).
  std::vector<ChoiceOutput> run_choices(
      const GenerationRequest& r, Clock::time_point arrival, const std::vector<int32_t>& prompt,
      bool chat, const std::optional<ReasoningOptions>& reasoning,
      const std::function<bool(int32_t choice, const Piece&)>& out);
  ChoiceOutput run_choice(const GenerationRequest& r, Clock::time_point arrival,
                          const std::vector<int32_t>& prompt, int32_t index, bool chat,
                          const std::optional<ReasoningOptions>& reasoning, const PieceSink& out);
};

HttpServer::HttpServer(Llm& llm, ServerOptions options)
    : impl_(std::make_unique<Impl>(llm, std::move(options))) {
  impl_->add_routes();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::bind() {
  Impl& s = *impl_;
  if (s.opt.port == 0) {
    s.bound_port = s.http.bind_to_any_port(s.opt.host);
  } else if (s.http.bind_to_port(s.opt.host, s.opt.port)) {
    s.bound_port = s.opt.port;
  } else {
    s.bound_port = -1;
  }
  if (s.bound_port <= 0) {
    throw Error("cannot listen on " + s.opt.host + ":" + std::to_string(s.opt.port) +
                " (in use, or not an address of this machine): choose another with --host/--port");
  }
}

int HttpServer::port() const { return impl_->bound_port; }

void HttpServer::run() { impl_->http.listen_after_bind(); }

void HttpServer::stop() {
  impl_->stopping = true;
  impl_->http.stop();
}

bool HttpServer::Impl::authorized(const httplib::Request& req) const {
  if (opt.api_key.empty()) return true;
  return req.get_header_value("Authorization") == "Bearer " + opt.api_key;
}

void HttpServer::Impl::check_model(const std::string& name) const {
  if (name == opt.model_id) return;
  for (const std::string& a : opt.aliases) {
    if (name == a) return;
  }
  throw ApiError(
      404, "invalid_request_error",
      "The model '" + name + "' does not exist (this server serves '" + opt.model_id + "')",
      "model", "model_not_found");
}

void HttpServer::Impl::check_prompt_tokens(const std::vector<int32_t>& ids) const {
  const ModelInfo info = llm.info();
  for (const int32_t t : ids) {
    if (t < 0 || t >= info.n_vocab) {
      throw ApiError::invalid("token id " + std::to_string(t) + " is outside the vocabulary [0, " +
                                  std::to_string(info.n_vocab) + ")",
                              "prompt");
    }
  }
  if (static_cast<int64_t>(ids.size()) >= info.ctx_size) {
    throw ApiError::invalid("the prompt is " + std::to_string(ids.size()) +
                                " tokens but the context holds " + std::to_string(info.ctx_size) +
                                " (prompt and answer together): shorten the prompt",
                            "messages", "context_length_exceeded");
  }
  if (ids.empty()) throw ApiError::invalid("the prompt is empty", "prompt");
}

std::vector<int32_t> HttpServer::Impl::checked_prompt(std::string_view text) const {
  std::vector<int32_t> ids = llm.prompt_tokens(text);
  check_prompt_tokens(ids);
  return ids;
}

// Common to every route: the key, the queue bound, the JSON body, errors as error objects.
void HttpServer::Impl::handle(
    const httplib::Request& req, httplib::Response& res,
    const std::function<void(const json&, httplib::Response&)>& body_handler) {
  struct InFlight {
    std::atomic<int32_t>& n;
    explicit InFlight(std::atomic<int32_t>& c) : n(c) { ++n; }
    ~InFlight() { --n; }
  } guard(in_flight);
  try {
    if (in_flight > opt.parallel + opt.max_waiting) {
      res.set_header("Retry-After", "1");
      throw ApiError(429, "rate_limit_exceeded",
                     "the server is busy (" + std::to_string(in_flight - 1) +
                         " requests in flight): retry shortly",
                     {}, "server_busy");
    }
    if (stopping) throw ApiError(503, "server_error", "the server is shutting down");
    body_handler(parse_body(req), res);
  } catch (const ApiError& e) {
    send_error(res, e);
  } catch (const ModelFailure& e) {
    send_error(res, ApiError(500, "server_error", e.what()));
  } catch (const Error& e) {
    send_error(res, ApiError::invalid(e.what()));
  }
  metrics.request_done(req.path, res.status < 0 ? 200 : res.status);
}

void HttpServer::Impl::add_routes() {
  http.new_task_queue = [this] {
    // Every streaming request holds a thread for its whole answer: enough for the running and
    // the queued ones, plus a few for the cheap routes.
    return new httplib::ThreadPool(static_cast<size_t>(opt.parallel + opt.max_waiting + 8));
  };
  http.set_payload_max_length(opt.max_body_bytes);
  http.set_read_timeout(std::chrono::seconds(30));
  http.set_write_timeout(std::chrono::seconds(30));
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // The page itself carries no data: it asks for the key when /v1/models says 401.
    if (req.path == "/health" || req.path == "/" || authorized(req))
      return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, ApiError(401, "invalid_request_error",
                             "a valid API key is needed: send 'Authorization: Bearer KEY'", {},
                             "invalid_api_key"));
    metrics.request_done("(any)", 401);
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const int status = res.status;
    std::string message = status == 404 ? "no route " + req.method + " " + req.path
                          : status == 413
                              ? "the request body is too large"
                              : "the request failed (HTTP " + std::to_string(status) + ")";
    send_error(res,
               ApiError(status, status >= 500 ? "server_error" : "invalid_request_error", message));
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        send_error(res, ApiError(500, "server_error", what));
      });

  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    const std::string_view page = web_chat_page();
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
    res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
  });
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(llm.stats()), "text/plain; version=0.0.4");
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    json data = json::array();
    const ModelInfo info = llm.info();
    auto entry = [&](const std::string& id) {
      return json{{"id", id},
                  {"object", "model"},
                  {"created", 0},
                  {"owned_by", "minke"},
                  {"meta", {{"architecture", info.architecture}, {"context", info.ctx_size}}}};
    };
    data.push_back(entry(opt.model_id));
    for (const std::string& a : opt.aliases) data.push_back(entry(a));
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  });
  http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    handle(req, res, [this](const json& body, httplib::Response& r) { chat(body, r); });
  });
  http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    handle(req, res, [this](const json& body, httplib::Response& r) { completion(body, r); });
  });
  http.Post("/tokenize", [this](const httplib::Request& req, httplib::Response& res) {
    handle(req, res, [this](const json& body, httplib::Response& r) {
      if (!body.is_object() || !body.contains("content") || !body["content"].is_string()) {
        throw ApiError::invalid("'content' must be a string", "content");
      }
      const bool special = body.value("add_special", false);
      send_json(r, 200, {{"tokens", llm.tokenize(body["content"].get<std::string>(), special)}});
    });
  });
  http.Post("/detokenize", [this](const httplib::Request& req, httplib::Response& res) {
    handle(req, res, [this](const json& body, httplib::Response& r) {
      if (!body.is_object() || !body.contains("tokens") || !body["tokens"].is_array()) {
        throw ApiError::invalid("'tokens' must be an array of token ids", "tokens");
      }
      std::vector<int32_t> ids;
      const int32_t n_vocab = llm.info().n_vocab;
      for (const json& t : body["tokens"]) {
        if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= n_vocab) {
          throw ApiError::invalid(
              "'tokens' must hold token ids in [0, " + std::to_string(n_vocab) + ")", "tokens");
        }
        ids.push_back(t.get<int32_t>());
      }
      send_json(r, 200, {{"content", llm.detokenize(ids)}});
    });
  });
}

void HttpServer::Impl::chat(const json& body, httplib::Response& res) {
  ChatRequest r = parse_chat_request(body);
  check_model(r.model);
  const std::string prompt = llm.render_chat(r.messages);
  // Split whenever splitting is on: a model may open the block itself (Qwen3) or its template
  // may have opened it already (DeepSeek-R1).
  std::optional<ReasoningOptions> reasoning;
  if (opt.split_reasoning) {
    reasoning = ReasoningOptions{.start_in_reasoning = prompt_opens_reasoning(prompt)};
  }
  generate(r, checked_prompt(prompt), /*chat=*/true, reasoning, res);
}

void HttpServer::Impl::completion(const json& body, httplib::Response& res) {
  CompletionRequest r = parse_completion_request(body);
  check_model(r.model);
  std::vector<int32_t> ids = r.prompt_tokens;
  if (ids.empty()) {
    ids = checked_prompt(r.prompt);
  } else {
    check_prompt_tokens(ids);
  }
  generate(r, std::move(ids), /*chat=*/false, std::nullopt, res);
}

ChoiceOutput HttpServer::Impl::run_choice(const GenerationRequest& r, Clock::time_point arrival,
                                          const std::vector<int32_t>& prompt, int32_t index,
                                          bool chat,
                                          const std::optional<ReasoningOptions>& reasoning,
                                          const PieceSink& out) {
  GenerateOptions options = r.options;
  if (options.sampling.seed != kAnySeed) options.sampling.seed += static_cast<uint64_t>(index);
  options.cancel = &stopping;
  ChoiceOutput c;
  if (options.logprobs >= 0) c.logprobs = empty_logprobs_json(chat);
  options.split_reasoning = reasoning.has_value();
  options.reasoning_open = reasoning && reasoning->start_in_reasoning;
  Clock::time_point last = arrival;
  const Clock::time_point deadline = arrival + std::chrono::seconds(opt.timeout_seconds);
  bool timed_out = false;
  c.result = llm.generate(prompt, options, [&](const GenerateChunk& chunk) {
    if (opt.timeout_seconds > 0 && Clock::now() > deadline) {
      timed_out = true;
      return false;
    }
    if (!chunk.text.empty()) {
      const Clock::time_point now = Clock::now();
      const double gap = std::chrono::duration<double>(now - last).count();
      if (last == arrival) {
        metrics.time_to_first_token(gap);
      } else {
        metrics.inter_token_latency(gap);
      }
      last = now;
    }
    if (chunk.text.empty() && !chunk.logprob) return true;  // nothing to pass on yet
    json logprobs = nullptr;
    if (chunk.logprob) {
      logprobs = token_logprobs_json(llm, chunk, chat, c.text.size());
      for (auto& [key, list] : logprobs.items()) {
        for (const json& v : list) c.logprobs[key].push_back(v);
      }
    }
    (chunk.thinking ? c.reasoning : c.text) += chunk.text;
    return !out || out(Piece{chunk.thinking, std::string(chunk.text), std::move(logprobs)});
  });
  if (timed_out) {
    throw ApiError(408, "timeout_error",
                   "the request ran past the server's limit of " +
                       std::to_string(opt.timeout_seconds) + " s (--timeout)",
                   {}, "timeout");
  }
  return c;
}

std::vector<ChoiceOutput> HttpServer::Impl::run_choices(
    const GenerationRequest& r, Clock::time_point arrival, const std::vector<int32_t>& prompt,
    bool chat, const std::optional<ReasoningOptions>& reasoning,
    const std::function<bool(int32_t, const Piece&)>& out) {
  std::vector<ChoiceOutput> outs(static_cast<size_t>(r.n));
  std::vector<std::exception_ptr> errors(outs.size());
  const auto one = [&](int32_t i) {
    try {
      outs[i] = run_choice(r, arrival, prompt, i, chat, reasoning,
                           [&, i](const Piece& p) { return !out || out(i, p); });
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::vector<std::thread> others;
  for (int32_t i = 1; i < r.n; ++i) others.emplace_back(one, i);
  one(0);
  for (std::thread& t : others) t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  int64_t generated = 0;
  for (const ChoiceOutput& o : outs) generated += o.result.n_generated;
  metrics.tokens(static_cast<int64_t>(prompt.size()), outs[0].result.n_cached, generated);
  return outs;
}

void HttpServer::Impl::generate(const GenerationRequest& r, std::vector<int32_t> prompt, bool chat,
                                std::optional<ReasoningOptions> reasoning, httplib::Response& res) {
  const Clock::time_point arrival = Clock::now();
  const ResponseMeta meta{.id = random_id(chat ? "chatcmpl-" : "cmpl-"),
                          .created = unix_now(),
                          .model = r.model,
                          .chat = chat};
  const auto n_prompt = static_cast<int64_t>(prompt.size());
  if (!r.stream) {
    const std::vector<ChoiceOutput> outs = run_choices(r, arrival, prompt, chat, reasoning, {});
    if (stopping) throw ApiError(503, "server_error", "the server is shutting down");
    send_json(res, 200, completion_json(meta, n_prompt, outs));
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  // The provider runs after this function returns: it captures copies of what it needs.
  res.set_chunked_content_provider(
      "text/event-stream", [=, this, prompt = std::move(prompt)](size_t, httplib::DataSink& sink) {
        EventWriter events(sink);
        const auto send = [&](int32_t i, json delta, json finish, json logprobs = nullptr) {
          return events.send(chunk_json(
              meta, json::array({delta_choice_json(meta, i, std::move(delta), std::move(finish),
                                                   std::move(logprobs))})));
        };
        if (chat) {
          for (int32_t i = 0; i < r.n; ++i)
            send(i, {{"role", "assistant"}, {"content", ""}}, nullptr);
        }
        try {
          const std::vector<ChoiceOutput> outs =
              run_choices(r, arrival, prompt, chat, reasoning, [&](int32_t i, const Piece& p) {
                return send(i, {{p.thinking ? "reasoning_content" : "content", p.text}}, nullptr,
                            p.logprobs);
              });
          if (!events.ok() || stopping) {
            sink.done();
            return true;
          }
          for (int32_t i = 0; i < r.n; ++i) {
            send(i, json::object(), finish_reason_json(outs[i].result.finish));
          }
          if (r.include_usage) {
            json last = chunk_json(meta, json::array());
            last["usage"] = usage_json(n_prompt, outs);
            events.send(last);
          }
        } catch (const ApiError& e) {
          events.send(error_body(e));
        } catch (const ModelFailure& e) {
          events.send(error_body(ApiError(500, "server_error", e.what())));
        } catch (const Error& e) {
          events.send(error_body(ApiError::invalid(e.what())));
        }
        events.done();
        sink.done();
        return true;
      });
}

}  // namespace minke
