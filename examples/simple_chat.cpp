// simple_chat: the smallest program on Minke's public API (include/minke only). Loads a model,
// asks it one question with its chat template, and streams the answer to stdout.
//   simple_chat MODEL.gguf "Why is the sky blue?" [max_tokens]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "minke/minke.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.gguf PROMPT [MAX_TOKENS]\n", argv[0]);
    return 2;
  }
  int max_tokens = 128;
  if (argc > 3) {
    char* end = nullptr;
    const long n = std::strtol(argv[3], &end, 10);
    if (*argv[3] == '\0' || *end != '\0' || n < 1 || n > 1000000) {
      std::fprintf(stderr, "simple_chat: error: MAX_TOKENS must be a number from 1 to 1000000\n");
      return 2;
    }
    max_tokens = static_cast<int>(n);
  }
  try {
    auto llm = minke::Llm::load({.path = argv[1], .ctx_size = 2048});
    minke::GenerateOptions options;
    options.sampling.temperature = 0.0f;  // greedy: the same answer every run
    options.max_tokens = max_tokens;
    const std::vector<minke::ChatMessage> messages = {{"user", argv[2]}};
    const minke::GenerateResult result =
        llm->chat(messages, options, [](const minke::GenerateChunk& chunk) {
          if (!chunk.thinking) std::fwrite(chunk.text.data(), 1, chunk.text.size(), stdout);
          std::fflush(stdout);
          return true;  // false would stop the answer here
        });
    std::printf("\n");
    std::fprintf(stderr, "%d prompt tokens, %d generated, finish: %s\n", result.n_prompt,
                 result.n_generated, minke::finish_reason_name(result.finish));
  } catch (const minke::Error& e) {
    std::fprintf(stderr, "simple_chat: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
