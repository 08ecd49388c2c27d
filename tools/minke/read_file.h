// Reading a whole user-supplied file (or "-" for standard input) with errors a
// user can act on. Bounded: a file larger than `max_bytes` is refused.
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "minke/error.h"

namespace minke::cli {

inline std::string read_text_file(const std::string& path, size_t max_bytes = 64u << 20) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw Error(path + ": cannot open: " + std::strerror(errno));
  struct stat st = {};
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    if (f != stdin) std::fclose(f);
    throw Error(path + ": is a directory; give a file");
  }
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > max_bytes) {
      if (f != stdin) std::fclose(f);
      throw Error(path + ": larger than " + std::to_string(max_bytes >> 20) + " MiB");
    }
  }
  const bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (failed) throw Error(path + ": read error: " + std::strerror(errno));
  return text;
}

}  // namespace minke::cli
