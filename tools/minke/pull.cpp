// `minke pull SOURCE` downloads a GGUF model into the model store ($MINKE_HOME), resuming an
// interrupted download; `minke list` shows the stored models. Any command's -m then takes a
// stored model's name as well as a path.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "engine/model_store.h"
#include "format.h"

namespace minke::cli {
namespace {

struct PullCliOptions {
  std::string source;
  std::string sha256;
};

int run_pull(const PullCliOptions& o) {
  const PullSource source = parse_pull_source(o.source);
  const bool tty = isatty(STDERR_FILENO) != 0;
  std::fprintf(stderr, "minke: pulling %s\n", source.url.c_str());
  PullOptions options{.sha256 = o.sha256};
  if (tty) {
    options.progress = [](uint64_t done, uint64_t total) {
      if (total > 0) {
        std::fprintf(stderr, "\r  %5.1f%%  %s of %s   ", 100.0 * double(done) / double(total),
                     human_bytes(done).c_str(), human_bytes(total).c_str());
      } else {
        std::fprintf(stderr, "\r  %s   ", human_bytes(done).c_str());
      }
    };
  }
  const std::string path = pull_model(source, options);
  if (tty) std::fputs("\r\x1b[K", stderr);
  std::fprintf(stderr, "minke: %s is ready (-m %s)\n", path.c_str(),
               source.file_name.substr(0, source.file_name.size() - 5).c_str());
  std::printf("%s\n", path.c_str());
  return 0;
}

int run_list() {
  const auto models = list_stored_models();
  if (models.empty()) {
    std::fprintf(stderr, "no models in %s (minke pull SOURCE adds one)\n",
                 model_store_dir().c_str());
    return 0;
  }
  for (const StoredModel& m : models) {
    std::printf("%-60s %10s\n", m.name.c_str(), human_bytes(m.bytes).c_str());
  }
  return 0;
}

}  // namespace

Command add_pull_command(CLI::App& app) {
  auto o = std::make_shared<PullCliOptions>();
  CLI::App* sub =
      app.add_subcommand("pull",
                         "Download a GGUF model into the model store ($MINKE_HOME, default "
                         "~/.cache/minke/models); an interrupted pull resumes");
  sub->add_option("source", o->source,
                  "https://.../FILE.gguf, or hf:OWNER/REPO/FILE.gguf (Hugging Face; "
                  "$MINKE_HF_ENDPOINT replaces its address, $HF_TOKEN is sent if set)")
      ->required()
      ->type_name("SOURCE");
  sub->add_option("--sha256", o->sha256, "Keep the file only if its SHA-256 is this (hex)")
      ->transform(CLI::Validator(
          [](std::string& s) -> std::string {
            for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (s.size() != 64 || s.find_first_not_of("0123456789abcdef") != std::string::npos) {
              return "--sha256 takes 64 hexadecimal digits";
            }
            return {};
          },
          ""));
  return {sub, [o] { return run_pull(*o); }};
}

Command add_list_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("list", "List the models `minke pull` stored");
  return {sub, [] { return run_list(); }};
}

// -m NAME: a stored model's name stands for its path when no file of that name is here.
CLI::Validator model_path() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (const auto path = find_stored_model(text)) text = *path;
        return {};
      },
      "");
}

}  // namespace minke::cli
