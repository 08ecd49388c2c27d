// ServerMetrics: see metrics.h. Names follow Prometheus' conventions (base units, _total for
// counters); the gauges mirror vLLM's (running and waiting requests, cache usage).
#include "server/metrics.h"

#include <cstdio>

namespace minke {
namespace {

void line(std::string& out, const std::string& name, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " %.17g\n", value);
  out += name;
  out += buf;
}

void header(std::string& out, const char* name, const char* help, const char* type) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void ServerMetrics::Histogram::add(double x) {
  size_t i = 0;
  while (i < kBounds.size() && x > kBounds[i]) ++i;
  ++counts[i];
  sum += x;
  ++n;
}

void ServerMetrics::request_done(const std::string& route, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
}

void ServerMetrics::tokens(int64_t prompt, int64_t cached, int64_t generated) {
  std::lock_guard lock(mutex_);
  prompt_tokens_ += prompt;
  cached_tokens_ += cached;
  generated_tokens_ += generated;
}

void ServerMetrics::time_to_first_token(double seconds) {
  std::lock_guard lock(mutex_);
  ttft_.add(seconds);
}

void ServerMetrics::inter_token_latency(double seconds) {
  std::lock_guard lock(mutex_);
  itl_.add(seconds);
}

void ServerMetrics::render_histogram(std::string& out, const char* name, const char* help,
                                     const Histogram& h) {
  header(out, name, help, "histogram");
  int64_t cumulative = 0;
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += h.counts[i];
    char le[32];
    if (i < kBounds.size()) {
      std::snprintf(le, sizeof le, "%g", kBounds[i]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    line(out, std::string(name) + "_bucket{le=\"" + le + "\"}", static_cast<double>(cumulative));
  }
  line(out, std::string(name) + "_sum", h.sum);
  line(out, std::string(name) + "_count", static_cast<double>(h.n));
}

std::string ServerMetrics::render(const LlmStats& e) const {
  std::lock_guard lock(mutex_);
  std::string out;
  header(out, "minke_requests_total", "HTTP requests answered, by route and status.", "counter");
  for (const auto& [key, n] : requests_) {
    line(out,
         "minke_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) +
             "\"}",
         static_cast<double>(n));
  }
  header(out, "minke_prompt_tokens_total", "Prompt tokens of completed requests.", "counter");
  line(out, "minke_prompt_tokens_total", static_cast<double>(prompt_tokens_));
  header(out, "minke_prompt_tokens_cached_total",
         "Prompt tokens whose K/V came from the prefix cache.", "counter");
  line(out, "minke_prompt_tokens_cached_total", static_cast<double>(cached_tokens_));
  header(out, "minke_generated_tokens_total", "Tokens generated.", "counter");
  line(out, "minke_generated_tokens_total", static_cast<double>(generated_tokens_));
  header(out, "minke_requests_running", "Requests computing now.", "gauge");
  line(out, "minke_requests_running", e.requests_running);
  header(out, "minke_requests_waiting", "Requests queued for the engine.", "gauge");
  line(out, "minke_requests_waiting", e.requests_waiting);
  header(out, "minke_kv_blocks",
         "KV cache blocks, by state (used, cached: free but holding a "
         "reusable prefix, free).",
         "gauge");
  const int32_t free_plain = e.kv_blocks_free - e.kv_blocks_cached;
  line(out, "minke_kv_blocks{state=\"used\"}", e.kv_blocks - e.kv_blocks_free);
  line(out, "minke_kv_blocks{state=\"cached\"}", e.kv_blocks_cached);
  line(out, "minke_kv_blocks{state=\"free\"}", free_plain);
  header(out, "minke_kv_block_size_tokens", "Tokens per KV cache block.", "gauge");
  line(out, "minke_kv_block_size_tokens", e.kv_block_size);
  header(out, "minke_prefix_cache_hit_tokens_total", "Prompt tokens found in the prefix cache.",
         "counter");
  line(out, "minke_prefix_cache_hit_tokens_total", static_cast<double>(e.prefix_hit_tokens));
  header(out, "minke_prefix_cache_query_tokens_total",
         "Prompt tokens looked up in the prefix cache.", "counter");
  line(out, "minke_prefix_cache_query_tokens_total", static_cast<double>(e.prefix_query_tokens));
  render_histogram(out, "minke_time_to_first_token_seconds",
                   "From a request's arrival to its first generated text.", ttft_);
  render_histogram(out, "minke_inter_token_latency_seconds",
                   "Between two pieces of a request's streamed text.", itl_);
  return out;
}

}  // namespace minke
