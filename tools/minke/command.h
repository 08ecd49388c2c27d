// The shape of a `minke` subcommand: each one lives in its own file, registers
// its options on the CLI11 app and returns what to run if it is chosen.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace minke::cli {

// Runs the chosen subcommand; returns the process exit code. May throw
// minke::Error (main prints it as "minke: error: ..." and exits 1).
using CommandRunner = std::function<int()>;

struct Command {
  CLI::App* app;
  CommandRunner run;
};

Command add_info_command(CLI::App& app);
Command add_tokenize_command(CLI::App& app);
Command add_template_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_chat_command(CLI::App& app);
Command add_perplexity_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_quantize_command(CLI::App& app);
Command add_convert_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_pull_command(CLI::App& app);
Command add_list_command(CLI::App& app);

// For -m options: a model `minke pull` stored may be named instead of given as a path.
CLI::Validator model_path();

}  // namespace minke::cli
