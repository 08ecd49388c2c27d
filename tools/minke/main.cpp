// minke: the command-line front end. Each subcommand lives in its own file.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "minke/error.h"

int main(int argc, char** argv) {
  CLI::App app{"minke: run open-weight language models on your own machine"};
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return 0;
}
