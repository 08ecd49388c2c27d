// Small text-formatting helpers shared by the CLI's subcommands.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "minke/terminal_text.h"

namespace minke::cli {

// "93.8 MiB": binary units, one decimal.
inline std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// "134.5 M", "7.62 B": parameter counts as people quote them.
inline std::string human_count(uint64_t n) {
  char buf[32];
  if (n >= 1000000000ull) {
    std::snprintf(buf, sizeof buf, "%.2f B", static_cast<double>(n) / 1e9);
  } else if (n >= 1000000ull) {
    std::snprintf(buf, sizeof buf, "%.1f M", static_cast<double>(n) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  }
  return buf;
}

// One "label:   value" line of an aligned summary.
// Values may hold text from a model file: shown terminal-safe.
inline void print_field(const std::string& label, const std::string& value) {
  std::printf("%-16s %s\n", (label + ":").c_str(), terminal_safe(value).c_str());
}

}  // namespace minke::cli
