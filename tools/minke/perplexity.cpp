// `minke perplexity`: a model's perplexity on a text file, computed exactly as llama.cpp's
// llama-perplexity does (see engine/perplexity.h); progress on stderr, the result on stdout.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "backend/cpu/cpu_backend.h"
#include "command.h"
#include "engine/load_checks.h"
#include "engine/perplexity.h"
#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "models/model.h"
#include "read_file.h"
#include "tokenizer/tokenizer.h"
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
  const auto gguf = GgufFile::open(f.model);
  check_has_weights(*gguf);
  const auto tokenizer = Tokenizer::from_gguf(*gguf);
  // llama-perplexity tokenizes with BOS (when the model adds it) and without special parsing.
  const std::vector<int32_t> tokens =
      tokenizer->encode(text, {.add_special = true, .parse_special = false});
  const PerplexityOptions options{.n_ctx = f.ctx_size,
                                  .n_batch = std::min(f.batch, f.ctx_size),
                                  .bos = tokenizer->add_bos_default() ? tokenizer->bos() : -1};
  // Too short a text fails here, before the weights and the KV cache are set up.
  check_perplexity_input(tokens.size(), options);
  const unsigned cores = std::thread::hardware_concurrency();
  const int threads = f.threads > 0 ? f.threads : static_cast<int>(cores == 0 ? 1 : cores);
  const auto backend = make_cpu_backend({.n_threads = threads});
  const auto model = load_model(*gguf, *backend);
  const ModelConfig& cfg = model->config();
  // The logits of a whole batch are kept: n_batch x n_vocab floats.
  check_context(f.model, cfg,
                ContextRequest{.n_ctx = f.ctx_size,
                               .weight_bytes = gguf->file_size(),
                               .scratch_bytes = static_cast<uint64_t>(options.n_batch) *
                                                static_cast<uint64_t>(cfg.n_vocab) * 4});
  constexpr int32_t kBlock = 16;
  KvCache kv(*backend, KvCacheOptions{.n_layer = cfg.n_layer,
                                      .layout = {.block_size = kBlock,
                                                 .n_head_kv = cfg.n_head_kv,
                                                 .head_dim = cfg.head_dim},
                                      .n_blocks = (f.ctx_size + kBlock - 1) / kBlock});
  std::fprintf(stderr, "perplexity: %zu tokens, %zu chunks of %d, %d threads\n", tokens.size(),
               tokens.size() / static_cast<size_t>(f.ctx_size), f.ctx_size, threads);
  const PerplexityResult r = compute_perplexity(*model, kv, tokens, options, show_progress);
  std::printf("Final estimate: PPL = %.4f +/- %.5f\n", r.ppl, r.ppl_error);
  return 0;
}

}  // namespace

Command add_perplexity_command(CLI::App& app) {
  auto f = std::make_shared<PerplexityFlags>();
  CLI::App* sub = app.add_subcommand(
      "perplexity", "Perplexity of a model on a text file (as llama.cpp's llama-perplexity)");
  sub->add_option("-m,--model", f->model, "GGUF model file")->required()->type_name("FILE");
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
  sub->add_option("-t,--threads", f->threads, "CPU threads (default: every core)")
      ->type_name("N")
      ->check(int_in(1, 4096));
  return {sub, [f] { return run_perplexity(*f); }};
}

}  // namespace minke::cli
