// minke: the command-line front end. Each subcommand lives in its own file;
// this file wires them up and turns errors into the documented exit codes:
// 0 ok, 1 runtime error ("minke: error: ..."), 2 usage error.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <vector>

#include "command.h"
#include "minke/error.h"

namespace {

int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  std::fprintf(stderr, "minke: error: %s\n", e.what());
  std::fprintf(stderr, "Run '%s --help' for usage.\n", app.get_name().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"minke: run open-weight language models on your own machine", "minke"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "minke 0.1.0");
  std::vector<minke::cli::Command> commands = {
      minke::cli::add_info_command(app),
      minke::cli::add_tokenize_command(app),
      minke::cli::add_template_command(app),
      minke::cli::add_run_command(app),
      minke::cli::add_chat_command(app),
      minke::cli::add_perplexity_command(app),
  };
  const CLI::App* failing = &app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    for (const auto& c : commands) {
      if (c.app->parsed()) failing = c.app;
    }
    return usage_error(*failing, e);
  }
  try {
    for (const auto& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const minke::Error& e) {
    std::fprintf(stderr, "minke: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "minke: error: out of memory\n");
    return 1;
  }
  return 2;
}
