// CLI11 validators for numeric options: exact ranges (CLI::Range lets "nan" through and
// saturates integers that overflow) with errors that say what is accepted, and no range
// decorations in --help (the option texts state their ranges where it matters).
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace minke::cli {

// A whole number in [lo, hi].
inline CLI::Validator int_in(int64_t lo, int64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        int64_t v = 0;
        const char* end = text.data() + text.size();
        const auto [p, ec] = std::from_chars(text.data(), end, v);
        if (ec != std::errc() || p != end || v < lo || v > hi) {
          return text + " is not a whole number from " + std::to_string(lo) + " to " +
                 std::to_string(hi);
        }
        return {};
      },
      "");
}

// A finite number for which ok() holds; `what` describes the accepted values.
inline CLI::Validator number_check(bool (*ok)(double), const std::string& what) {
  return CLI::Validator(
      [ok, what](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v) || !std::isfinite(v) || !ok(v)) {
          return text + " is not " + what;
        }
        return {};
      },
      "");
}

// The -t/--threads option every model command shares (0, the default: the physical cores).
inline CLI::Option* add_threads_option(CLI::App& app, int32_t& threads) {
  return app.add_option("-t,--threads", threads, "CPU threads (default: the physical cores)")
      ->type_name("N")
      ->check(int_in(1, 4096));
}

}  // namespace minke::cli
