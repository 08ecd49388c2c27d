// ServerMetrics: the counters and latency histograms GET /metrics reports in Prometheus' text
// format (with the engine's gauges from Llm::stats()). Thread-safe; recording is a lock and a
// few additions, cheap next to a token.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "minke/minke.h"

namespace minke {

class ServerMetrics {
 public:
  void request_done(const std::string& route, int status);
  void tokens(int64_t prompt, int64_t cached, int64_t generated);
  void time_to_first_token(double seconds);
  void inter_token_latency(double seconds);

  // The exposition text: these metrics and the engine's state.
  std::string render(const LlmStats& engine) const;

 private:
  // Upper bounds in seconds (Prometheus "le"); the last bucket is +Inf.
  static constexpr std::array<double, 12> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,    2.5,   5,    10,  30};
  struct Histogram {
    std::array<int64_t, kBounds.size() + 1> counts{};
    double sum = 0;
    int64_t n = 0;
    void add(double x);
  };
  static void render_histogram(std::string& out, const char* name, const char* help,
                               const Histogram& h);

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;  // (route, status) -> count
  int64_t prompt_tokens_ = 0, cached_tokens_ = 0, generated_tokens_ = 0;
  Histogram ttft_, itl_;
};

}  // namespace minke
