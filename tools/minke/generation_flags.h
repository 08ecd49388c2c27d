// Options shared by `minke run` and `minke chat`: model, threads, context, sampling, template;
// turning them into the public API's options; loading with a progress spinner on a terminal.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "minke/minke.h"

namespace minke::cli {

struct GenerationFlags {
  std::string model;
  std::string system;
  std::string chat_template;
  int32_t threads = 0;
  int32_t ctx_size = 0;
  int32_t n_predict = -1;
  float temperature = 0.8f;
  int32_t top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  int32_t repeat_last_n = 64;
  int64_t seed = -1;
  bool hide_thinking = false;
  std::string json_schema;  // file
  std::string grammar;      // file
  std::string regex;
};

void add_generation_flags(CLI::App& sub, GenerationFlags& flags);
// Loads the model (flags.model, threads, ctx_size, chat_template; the rest of `options` as
// given); on a terminal, shows a spinner on stderr when loading takes over a second.
std::unique_ptr<Llm> load_llm(const GenerationFlags& flags, LlmOptions options = {});
GenerateOptions generate_options(const GenerationFlags& flags);

// Writes generated text to stdout at once (the user watches it appear); false when the write
// failed, e.g. the reader of a pipe has gone and SIGPIPE is ignored.
bool write_stdout(std::string_view text);

// Exit code for a run whose stdout went away: as if killed by SIGPIPE, which the shell hides.
inline constexpr int kExitBrokenPipe = 141;

// One stderr line like llama.cpp's timings: prompt and generation speeds.
void print_stats(const GenerateResult& r);

// Writes streamed chat pieces to stdout: thinking dim on a terminal, between <think> tags on
// lines of their own otherwise, or not at all with hide_thinking; a blank line before the answer.
class ChunkPrinter {
 public:
  explicit ChunkPrinter(bool hide_thinking);
  // False once stdout cannot be written (a closed pipe with SIGPIPE ignored): stop generating.
  bool print(const GenerateChunk& chunk);
  void finish();  // closes an open thinking block

 private:
  bool hide_thinking_;
  bool tty_;
  bool in_thinking_ = false;
};

}  // namespace minke::cli
