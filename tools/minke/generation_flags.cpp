// Shared `run`/`chat` options, model loading with a spinner, stats line, chunk printer.
#include "generation_flags.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace minke::cli {

void add_generation_flags(CLI::App& sub, GenerationFlags& f) {
  sub.add_option("-m,--model", f.model, "GGUF model file")->required();
  sub.add_option("--system", f.system, "System message to start the conversation with");
  sub.add_option("--chat-template", f.chat_template,
                 "Jinja chat template file to use instead of the model's");
  sub.add_option("-n,--n-predict", f.n_predict, "Tokens to generate (-1: until the model stops)")
      ->check(CLI::Range(-1, 1 << 30));
  sub.add_option("-t,--threads", f.threads, "CPU threads (default: every core)")
      ->check(CLI::Range(1, 4096));
  sub.add_option("-c,--ctx-size", f.ctx_size,
                 "Context size in tokens (default: min(4096, the model's))")
      ->check(CLI::Range(16, 1 << 24));
  sub.add_option("--temp", f.temperature, "Temperature (0: greedy)")->capture_default_str();
  sub.add_option("--top-k", f.top_k, "Top-k sampling (0: off)")->capture_default_str();
  sub.add_option("--top-p", f.top_p, "Top-p sampling (1: off)")->capture_default_str();
  sub.add_option("--min-p", f.min_p, "Min-p sampling (0: off)")->capture_default_str();
  sub.add_option("--repeat-penalty", f.repeat_penalty, "Repetition penalty (1: off)")
      ->capture_default_str();
  sub.add_option("--repeat-last-n", f.repeat_last_n, "Tokens the repetition penalty looks at")
      ->capture_default_str();
  sub.add_option("-s,--seed", f.seed, "Random seed (-1: a fresh one)")->capture_default_str();
  sub.add_flag("--hide-thinking", f.hide_thinking, "Do not print the model's <think> reasoning");
}

GenerateOptions generate_options(const GenerationFlags& f) {
  return GenerateOptions{
      .sampling = {.temperature = f.temperature,
                   .top_k = f.top_k,
                   .top_p = f.top_p,
                   .min_p = f.min_p,
                   .repeat_penalty = f.repeat_penalty,
                   .repeat_last_n = f.repeat_last_n,
                   .seed = f.seed < 0 ? kAnySeed : static_cast<uint64_t>(f.seed)},
      .max_tokens = f.n_predict};
}

namespace {

// Spins on stderr (a terminal only) from one second after start until stopped.
class Spinner {
 public:
  explicit Spinner(std::string label) : label_(std::move(label)) {
    if (isatty(STDERR_FILENO)) thread_ = std::thread([this] { spin(); });
  }
  ~Spinner() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void spin() {
    static const char* kFrames[] = {"|", "/", "-", "\\"};
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, std::chrono::seconds(1), [this] { return done_; })) return;
    for (int i = 0; !done_; ++i) {
      std::fprintf(stderr, "\r%s %s", label_.c_str(), kFrames[i % 4]);
      std::fflush(stderr);
      cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return done_; });
    }
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
  }

  std::string label_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Llm> load_llm(const GenerationFlags& f) {
  LlmOptions options{.path = f.model, .threads = f.threads, .ctx_size = f.ctx_size};
  if (!f.chat_template.empty()) {
    FILE* file = std::fopen(f.chat_template.c_str(), "rb");
    if (file == nullptr) throw Error(f.chat_template + ": cannot open the chat template");
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) options.chat_template.append(buf, n);
    std::fclose(file);
  }
  Spinner spinner("loading " + f.model);
  return Llm::load(options);
}

void print_stats(const GenerateResult& r) {
  const double prefill_tps = r.prefill_ms > 0 ? r.n_prompt * 1000.0 / r.prefill_ms : 0.0;
  const double decode_tps = r.decode_ms > 0 ? (r.n_generated - 1) * 1000.0 / r.decode_ms : 0.0;
  std::fprintf(stderr, "\n[ prompt: %d tokens, %.1f t/s | generated: %d tokens, %.1f t/s | %s ]\n",
               r.n_prompt, prefill_tps, r.n_generated, decode_tps, finish_reason_name(r.finish));
}

ChunkPrinter::ChunkPrinter(bool hide_thinking)
    : hide_thinking_(hide_thinking), tty_(isatty(STDOUT_FILENO) != 0) {}

void ChunkPrinter::print(const GenerateChunk& c) {
  if (c.text.empty()) return;
  if (c.thinking && hide_thinking_) return;
  if (c.thinking != in_thinking_) {
    if (c.thinking) {
      std::fputs(tty_ ? "\x1b[2m" : "<think>", stdout);
    } else {
      std::fputs(tty_ ? "\x1b[0m" : "</think>", stdout);
    }
    in_thinking_ = c.thinking;
  }
  std::fwrite(c.text.data(), 1, c.text.size(), stdout);
  std::fflush(stdout);
}

void ChunkPrinter::finish() {
  if (in_thinking_) std::fputs(tty_ ? "\x1b[0m" : "</think>", stdout);
  in_thinking_ = false;
  std::fflush(stdout);
}

}  // namespace minke::cli
