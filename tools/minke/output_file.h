// What `minke convert` and `minke quantize` share about the file they write and the tensors
// they report: a directory checked before hours of work, shapes as "576 x 49152".
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "minke/error.h"

namespace minke::cli {

// Throws "<path>: cannot create: <dir> does not exist / is not writable" up front.
inline void require_writable_dir(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  if (access(dir.c_str(), W_OK) != 0) {
    throw Error(path + ": cannot create: " + dir.string() + " " +
                (errno == ENOENT ? "does not exist" : "is not writable"));
  }
}

// "64 x 32 x 16", innermost dimension first as GGUF lists them.
inline std::string dims_text(const std::vector<int64_t>& dims) {
  std::string out;
  for (const int64_t d : dims) out += (out.empty() ? "" : " x ") + std::to_string(d);
  return out;
}

inline uint64_t element_count(const std::vector<int64_t>& dims) {
  uint64_t n = 1;
  for (const int64_t d : dims) n *= static_cast<uint64_t>(d);
  return n;
}

}  // namespace minke::cli
