// `minke run`: one prompt, one streamed answer. The prompt goes through the model's chat
// template (with --system) unless --raw, in which case stdout is exactly the continuation.
// Progress and timings go to stderr, so stdout can be piped.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "generation_flags.h"
#include "minke/minke.h"

namespace minke::cli {
namespace {

struct RunOptions {
  GenerationFlags gen;
  std::string prompt;
  bool raw = false;
  bool stats = true;
};

std::atomic<bool> g_interrupted{false};

void on_sigint(int) { g_interrupted = true; }

int run_run(const RunOptions& opts) {
  std::unique_ptr<Llm> llm = load_llm(opts.gen);
  GenerateOptions gen = generate_options(opts.gen);
  gen.cancel = &g_interrupted;
  std::signal(SIGINT, on_sigint);
  GenerateResult result;
  if (opts.raw) {
    result = llm->generate(opts.prompt, gen, [](const GenerateChunk& c) {
      std::fwrite(c.text.data(), 1, c.text.size(), stdout);
      std::fflush(stdout);
      return true;
    });
  } else {
    std::vector<ChatMessage> messages;
    if (!opts.gen.system.empty()) messages.push_back({"system", opts.gen.system});
    messages.push_back({"user", opts.prompt});
    ChunkPrinter printer(opts.gen.hide_thinking);
    result = llm->chat(messages, gen, [&printer](const GenerateChunk& c) {
      printer.print(c);
      return true;
    });
    printer.finish();
    std::fputs("\n", stdout);
  }
  std::fflush(stdout);
  std::signal(SIGINT, SIG_DFL);
  if (opts.stats) print_stats(result);
  return result.finish == FinishReason::kCancelled ? 130 : 0;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Answer one prompt, streaming the text to stdout");
  add_generation_flags(*sub, opts->gen);
  sub->add_option("-p,--prompt", opts->prompt, "The prompt")->required();
  sub->add_flag("--raw", opts->raw,
                "Continue the prompt text as is (no chat template); stdout is only the "
                "continuation");
  sub->add_flag("!--no-stats", opts->stats, "Do not print the timing line on stderr");
  return {sub, [opts] { return run_run(*opts); }};
}

}  // namespace minke::cli
