// Shared `run`/`chat` options, model loading with a spinner, stats line, chunk printer.
#include "generation_flags.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <mutex>
#include <string>
#include <thread>

#include "command.h"
#include "minke/terminal_text.h"
#include "read_file.h"
#include "validators.h"

namespace minke::cli {

void add_generation_flags(CLI::App& sub, GenerationFlags& f) {
  sub.add_option("-m,--model", f.model, "GGUF model file, or the name of one `minke pull` stored")
      ->transform(model_path())
      ->required()
      ->type_name("FILE");
  sub.add_option("--system", f.system, "System message to start the conversation with")
      ->type_name("TEXT");
  sub.add_option("--chat-template", f.chat_template,
                 "Jinja chat template file to use instead of the model's")
      ->type_name("FILE");
  sub.add_option("-n,--n-predict", f.n_predict, "Tokens to generate (-1: until the model stops)")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(-1, 1 << 30));
  add_threads_option(sub, f.threads);
  // The upper bound only stops absurd values at parse time; Llm::load then refuses a context
  // beyond the model's training context or this machine's memory, saying which.
  sub.add_option("-c,--ctx-size", f.ctx_size,
                 "Context size in tokens, prompt and answer together (default: min(4096, the "
                 "model's))")
      ->type_name("N")
      ->check(int_in(16, 1 << 24));
  sub.add_option("--temp", f.temperature, "Temperature (<= 0: greedy)")
      ->capture_default_str()
      ->type_name("X")
      ->check(number_check([](double v) { return v <= 100; }, "a number <= 100"));
  sub.add_option("--top-k", f.top_k, "Top-k sampling (0: off)")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(0, 1 << 30));
  sub.add_option("--top-p", f.top_p, "Top-p sampling, in (0, 1] (1: off)")
      ->capture_default_str()
      ->type_name("X")
      ->check(number_check([](double v) { return v > 0 && v <= 1; }, "a number in (0, 1]"));
  sub.add_option("--min-p", f.min_p, "Min-p sampling, in [0, 1] (0: off)")
      ->capture_default_str()
      ->type_name("X")
      ->check(number_check([](double v) { return v >= 0 && v <= 1; }, "a number in [0, 1]"));
  sub.add_option("--repeat-penalty", f.repeat_penalty, "Repetition penalty (1: off)")
      ->capture_default_str()
      ->type_name("X")
      ->check(number_check([](double v) { return v > 0 && v <= 100; }, "a number in (0, 100]"));
  sub.add_option("--repeat-last-n", f.repeat_last_n, "Tokens the repetition penalty looks at")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(0, kMaxRepeatLastN));
  sub.add_option("-s,--seed", f.seed, "Random seed (-1: a fresh one, printed with the stats)")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(-1, std::numeric_limits<int64_t>::max()));
  sub.add_flag("--hide-thinking", f.hide_thinking, "Do not print the model's <think> reasoning");
  auto* schema = sub.add_option("--json-schema", f.json_schema,
                                "Answer with a JSON document valid under this JSON Schema file")
                     ->type_name("FILE");
  auto* grammar =
      sub.add_option("--grammar", f.grammar, "Answer with a sentence of this GBNF grammar file")
          ->type_name("FILE");
  auto* regex =
      sub.add_option("--regex", f.regex, "Answer with text this regular expression matches")
          ->type_name("RE");
  schema->excludes(grammar)->excludes(regex);
  grammar->excludes(regex);
}

OutputFormat output_format(const GenerationFlags& f) {
  if (!f.json_schema.empty()) {
    return {OutputFormat::Kind::kJsonSchema, read_text_file(f.json_schema, 16u << 20)};
  }
  if (!f.grammar.empty())
    return {OutputFormat::Kind::kGrammar, read_text_file(f.grammar, 16u << 20)};
  if (!f.regex.empty()) return {OutputFormat::Kind::kRegex, f.regex};
  return {};
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
      .max_tokens = f.n_predict,
      .format = output_format(f)};
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

std::unique_ptr<Llm> load_llm(const GenerationFlags& f, LlmOptions options) {
  options.path = f.model;
  options.threads = f.threads;
  options.ctx_size = f.ctx_size;
  if (!f.chat_template.empty()) {
    options.chat_template = read_text_file(f.chat_template, 1u << 20);
    // Parsed here too, before the model loads, so that errors name the file.
    try {
      check_chat_template(options.chat_template);
    } catch (const Error& e) {
      throw Error(f.chat_template + ": " + e.what());
    }
  }
  Spinner spinner("loading " + f.model);
  return Llm::load(options);
}

bool write_stdout(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 && std::ferror(stdout) == 0;
}

void print_stats(const GenerateResult& r) {
  // Prefill speed counts the tokens computed, not those the prefix cache held.
  const int32_t computed = r.n_prompt - r.n_cached;
  const double prefill_tps = r.prefill_ms > 0 ? computed * 1000.0 / r.prefill_ms : 0.0;
  const double decode_tps = r.decode_ms > 0 ? (r.n_generated - 1) * 1000.0 / r.decode_ms : 0.0;
  const std::string cached =
      r.n_cached > 0 ? " (" + std::to_string(r.n_cached) + " cached)" : std::string();
  std::fprintf(
      stderr,
      "\n[ prompt: %d tokens%s, %.1f t/s | generated: %d tokens, %.1f t/s | %s | seed %llu ]\n",
      r.n_prompt, cached.c_str(), prefill_tps, r.n_generated, decode_tps,
      finish_reason_name(r.finish), static_cast<unsigned long long>(r.seed));
}

ChunkPrinter::ChunkPrinter(bool hide_thinking)
    : hide_thinking_(hide_thinking), tty_(isatty(STDOUT_FILENO) != 0) {}

bool ChunkPrinter::print(const GenerateChunk& c) {
  if (c.text.empty()) return true;
  if (c.thinking && hide_thinking_) return true;
  if (c.thinking != in_thinking_) {
    // The splitter drops the whitespace around the tags; a blank line sets the answer apart.
    if (c.thinking) {
      std::fputs(tty_ ? "\x1b[2m" : "<think>\n", stdout);
    } else {
      std::fputs(tty_ ? "\x1b[0m\n\n" : "\n</think>\n\n", stdout);
    }
    in_thinking_ = c.thinking;
  }
  // A model's vocabulary is text from a file: on a terminal it cannot send escape sequences.
  if (tty_) return write_stdout(terminal_safe(c.text, {.keep_newlines = true}));
  return write_stdout(c.text);
}

void ChunkPrinter::finish() {
  if (in_thinking_) std::fputs(tty_ ? "\x1b[0m" : "\n</think>", stdout);
  in_thinking_ = false;
  std::fflush(stdout);
}

}  // namespace minke::cli
