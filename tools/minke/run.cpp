// `minke run`: one prompt, one streamed answer. The prompt goes through the model's chat
// template (with --system) unless --raw, in which case stdout is exactly the continuation.
// Progress and timings go to stderr, so stdout can be piped.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "generation_flags.h"
#include "minke/minke.h"
#include "read_file.h"

namespace minke::cli {
namespace {

struct RunOptions {
  GenerationFlags gen;
  std::string prompt;
  std::string prompt_file;
  bool raw = false;
  bool no_stats = false;
};

// Only a lock-free atomic may be touched from a signal handler.
static_assert(std::atomic<bool>::is_always_lock_free);
std::atomic<bool> g_interrupted{false};

// The first Ctrl-C stops generation at the next step (the answer so far and the stats are
// printed); a second one quits at once, for when a long prompt is still being read.
void on_sigint(int) {
  if (g_interrupted.exchange(true)) _exit(130);
}

void set_sigint(void (*handler)(int)) {
  struct sigaction sa = {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

int run_run(RunOptions& opts) {
  if (!opts.prompt_file.empty()) opts.prompt = read_text_file(opts.prompt_file);
  GenerateOptions gen = generate_options(opts.gen);
  check_output_format(gen.format);  // before the model loads: a bad schema fails fast
  std::unique_ptr<Llm> llm = load_llm(opts.gen);
  gen.cancel = &g_interrupted;
  set_sigint(on_sigint);
  bool stdout_gone = false;
  GenerateResult result;
  if (opts.raw) {
    result = llm->generate(opts.prompt, gen, [&stdout_gone](const GenerateChunk& c) {
      stdout_gone = !write_stdout(c.text);
      return !stdout_gone;
    });
  } else {
    std::vector<ChatMessage> messages;
    if (!opts.gen.system.empty()) messages.push_back({"system", opts.gen.system});
    messages.push_back({"user", opts.prompt});
    ChunkPrinter printer(opts.gen.hide_thinking);
    result = llm->chat(messages, gen, [&](const GenerateChunk& c) {
      stdout_gone = !printer.print(c);
      return !stdout_gone;
    });
    printer.finish();
    if (!stdout_gone) stdout_gone = !write_stdout("\n");
  }
  set_sigint(SIG_DFL);
  // Nobody is reading any more (`minke run ... | head -c 10` with SIGPIPE ignored): leave
  // quietly, as SIGPIPE's default action would have.
  if (stdout_gone) return kExitBrokenPipe;
  if (!opts.no_stats) print_stats(result);
  return result.finish == FinishReason::kCancelled ? 130 : 0;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Answer one prompt, streaming the text to stdout");
  add_generation_flags(*sub, opts->gen);
  auto* prompt = sub->add_option("-p,--prompt", opts->prompt, "The prompt")->type_name("TEXT");
  auto* file =
      sub->add_option("-f,--file", opts->prompt_file, "Read the prompt from a file ('-': stdin)")
          ->type_name("FILE");
  prompt->excludes(file);
  sub->add_flag("--raw", opts->raw,
                "Continue the prompt text as is (no chat template); stdout is only the "
                "continuation");
  sub->add_flag("--no-stats", opts->no_stats, "Do not print the timing line on stderr");
  sub->callback([prompt, file] {
    if (prompt->count() == 0 && file->count() == 0) {
      throw CLI::RequiredError("a prompt: -p TEXT or -f FILE");
    }
  });
  return {sub, [opts] { return run_run(*opts); }};
}

}  // namespace minke::cli
