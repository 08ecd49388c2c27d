// `minke chat`: an interactive conversation. Each turn re-renders the whole conversation with
// the chat template. On a terminal: GNU readline with history; Ctrl-C stops the answer being
// written, and twice at the prompt quits. With stdin piped, each line is one user turn.
#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "generation_flags.h"
#include "minke/minke.h"

namespace minke::cli {
namespace {

struct ChatOptions {
  GenerationFlags gen;
  bool stats = false;
};

// Only lock-free atomics may be touched from the signal handler.
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);
std::atomic<bool> g_generating{false};
std::atomic<bool> g_cancel{false};
std::atomic<int> g_prompt_interrupts{0};

// SIGINT: stop the answer being generated; at the prompt, the second one quits. readline has
// restored the terminal before it forwards the signal here.
void on_sigint(int) {
  if (g_generating) {
    g_cancel = true;
    return;
  }
  if (g_prompt_interrupts.fetch_add(1) >= 1) {
    (void)!write(STDOUT_FILENO, "\n", 1);
    _exit(0);
  }
  static const char kHint[] = "\n(press Ctrl-C again or type /exit to quit)\n";
  (void)!write(STDOUT_FILENO, kHint, sizeof kHint - 1);
}

// The next user line; nullopt at end of input.
std::optional<std::string> read_turn(bool interactive) {
  if (!interactive) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
  }
  char* line = readline("> ");
  if (line == nullptr) return std::nullopt;
  std::string text(line);
  std::free(line);
  if (!text.empty()) add_history(text.c_str());
  return text;
}

// Answers the last user message; false when stdout has gone away (nobody reads the answers).
bool answer(Llm& llm, std::vector<ChatMessage>& messages, const GenerateOptions& gen,
            const ChatOptions& opts) {
  ChunkPrinter printer(opts.gen.hide_thinking);
  bool stdout_gone = false;
  g_cancel = false;
  g_generating = true;
  GenerateResult r;
  try {
    r = llm.chat(messages, gen, [&](const GenerateChunk& c) {
      stdout_gone = !printer.print(c);
      return !stdout_gone;
    });
  } catch (const Error& e) {
    g_generating = false;
    messages.pop_back();  // the turn that did not fit is forgotten; /reset frees the context
    std::fprintf(stderr, "minke: error: %s%s\n", e.what(),
                 messages.size() > 1 ? " (/reset starts a new conversation)" : "");
    return true;
  }
  g_generating = false;
  printer.finish();
  if (stdout_gone || !write_stdout("\n")) return false;
  if (r.finish == FinishReason::kCancelled) std::fputs("[stopped]\n", stderr);
  if (opts.stats) print_stats(r);
  messages.push_back({"assistant", r.text});
  return true;
}

int run_chat(const ChatOptions& opts) {
  GenerateOptions gen = generate_options(opts.gen);
  check_output_format(gen.format);  // before the model loads: a bad schema fails fast
  std::unique_ptr<Llm> llm = load_llm(opts.gen);
  llm->render_chat({{"user", "hi"}});  // fail before the first prompt if there is no template
  gen.cancel = &g_cancel;
  const bool interactive = isatty(STDIN_FILENO) != 0;
  struct sigaction sa = {};
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, nullptr);
  if (interactive) {
    std::fprintf(stderr, "minke chat: %s, context %d tokens. /reset clears, /exit quits.\n",
                 llm->info().architecture.c_str(), llm->info().ctx_size);
  }
  std::vector<ChatMessage> messages;
  const auto reset = [&] {
    messages.clear();
    if (!opts.gen.system.empty()) messages.push_back({"system", opts.gen.system});
  };
  reset();
  while (const auto line = read_turn(interactive)) {
    g_prompt_interrupts = 0;
    if (*line == "/exit" || *line == "/quit") break;
    if (*line == "/reset") {
      reset();
      std::fputs("[conversation cleared]\n", stderr);
      continue;
    }
    if (line->empty()) continue;
    messages.push_back({"user", *line});
    if (!answer(*llm, messages, gen, opts)) return kExitBrokenPipe;
  }
  return 0;
}

}  // namespace

Command add_chat_command(CLI::App& app) {
  auto opts = std::make_shared<ChatOptions>();
  CLI::App* sub = app.add_subcommand("chat", "Talk with a model interactively");
  add_generation_flags(*sub, opts->gen);
  sub->add_flag("--stats", opts->stats, "Print a timing line on stderr after each answer");
  return {sub, [opts] { return run_chat(*opts); }};
}

}  // namespace minke::cli
