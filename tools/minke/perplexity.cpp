// `minke perplexity`: a model's perplexity on a text file, computed exactly as llama.cpp's
// llama-perplexity does (see engine/perplexity.h); progress on stderr, the result on stdout.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "engine/perplexity_run.h"
#include "read_file.h"
#include "validators.h"

namespace minke::cli {
namespace {

struct PerplexityFlags {
  std::string model;
  std::string file;
  int32_t ctx_size = 512;
  int32_t batch = 512;
  int32_t threads = 0;
};

void show_progress(int32_t done, int32_t total, double ppl) {
  if (isatty(STDERR_FILENO)) {
    constexpr int kWidth = 30;
    const int filled = done * kWidth / total;
    std::fprintf(stderr, "\rperplexity: [%s%s] %d/%d chunks, PPL %.4f",
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, ' ').c_str(), done,
                 total, ppl);
    if (done == total) std::fputs("\n", stderr);
  } else {
    std::fprintf(stderr, "[%d]%.4f%s", done, ppl, done == total ? "\n" : ",");
  }
  std::fflush(stderr);
}

int run_perplexity(const PerplexityFlags& f) {
  const std::string text = read_text_file(f.file);
  const auto on_start = [&](const PerplexityStart& s) {
    std::fprintf(stderr, "perplexity: %zu tokens, %zu chunks of %d, %d threads\n", s.n_tokens,
                 s.n_chunks, f.ctx_size, s.threads);
  };
  const PerplexityResult r = perplexity_of_text(
      {.model = f.model, .n_ctx = f.ctx_size, .n_batch = f.batch, .threads = f.threads}, text,
      on_start, show_progress);
  std::printf("Final estimate: PPL = %.4f +/- %.5f\n", r.ppl, r.ppl_error);
  return 0;
}

}  // namespace

Command add_perplexity_command(CLI::App& app) {
  auto f = std::make_shared<PerplexityFlags>();
  CLI::App* sub = app.add_subcommand(
      "perplexity", "Perplexity of a model on a text file (as llama.cpp's llama-perplexity)");
  sub->add_option("-m,--model", f->model, "GGUF model file, or the name of one `minke pull` stored")
      ->transform(model_path())
      ->required()
      ->type_name("FILE");
  sub->add_option("-f,--file", f->file, "Text file, at least 2 chunks long ('-': stdin)")
      ->required()
      ->type_name("FILE");
  sub->add_option("-c,--ctx-size", f->ctx_size, "Tokens per chunk")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(4, 1 << 20));
  sub->add_option("-b,--batch-size", f->batch, "Tokens per forward step")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(1, 1 << 20));
  add_threads_option(*sub, f->threads);
  return {sub, [f] { return run_perplexity(*f); }};
}

}  // namespace minke::cli
