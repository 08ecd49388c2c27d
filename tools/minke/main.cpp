// minke: the command-line front end. Each subcommand lives in its own file;
// this file wires them up and turns errors into the documented exit codes:
// 0 ok, 1 runtime error ("minke: error: ..."), 2 usage error.
#include <fcntl.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "command.h"
#include "minke/error.h"
#include "minke/terminal_text.h"

namespace {

int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  std::fprintf(stderr, "minke: error: %s\n", minke::terminal_safe(e.what()).c_str());
  const std::string name =
      app.get_parent() != nullptr ? "minke " + app.get_name() : std::string("minke");
  std::fprintf(stderr, "Run '%s --help' for usage.\n", name.c_str());
  return 2;
}

// A closed standard descriptor would be reused by the next open(): the model file could become
// "stdin" for chat, or prompts be written into it. Park /dev/null on any that is closed.
void ensure_std_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      const int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (null >= 0 && null != fd) close(null);  // lowest free descriptor is fd itself
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  ensure_std_fds();
  CLI::App app{"minke: run open-weight language models on your own machine", "minke"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "minke 0.1.0");
  std::vector<minke::cli::Command> commands = {
      minke::cli::add_info_command(app),     minke::cli::add_tokenize_command(app),
      minke::cli::add_template_command(app), minke::cli::add_run_command(app),
      minke::cli::add_chat_command(app),     minke::cli::add_perplexity_command(app),
      minke::cli::add_bench_command(app),    minke::cli::add_quantize_command(app),
      minke::cli::add_convert_command(app),  minke::cli::add_serve_command(app),
      minke::cli::add_pull_command(app),     minke::cli::add_list_command(app),
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
    std::fprintf(stderr, "minke: error: %s\n", minke::terminal_safe(e.what()).c_str());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "minke: error: out of memory (try a smaller -c or a smaller model)\n");
    return 1;
  } catch (const std::exception& e) {
    // Not expected (input errors are minke::Error), but one line beats std::terminate's abort.
    std::fprintf(stderr, "minke: error: internal error: %s (please report it)\n",
                 minke::terminal_safe(e.what()).c_str());
    return 1;
  }
  return 2;
}
