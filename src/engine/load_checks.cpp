// Pre-load checks: see load_checks.h.
#include "engine/load_checks.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/model.h"

namespace minke {
namespace {

std::string gib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  return buf;
}

}  // namespace

void check_has_weights(const GgufFile& file) {
  if (!file.tensors().empty()) return;
  const std::string arch(file.get_string("general.architecture", ""));
  const std::vector<std::string> archs = supported_architectures();
  if (std::find(archs.begin(), archs.end(), arch) == archs.end()) return;
  throw Error(file.path() +
              ": the file has no tensors (a vocabulary-only file?): no weights to run; give "
              "a full model file");
}

void check_context(const std::string& path, const ModelConfig& cfg, const ContextRequest& r) {
  if (r.n_ctx <= 0 || r.n_ctx > kMaxContext) {
    throw Error("the context size must be from 1 to " + std::to_string(kMaxContext) +
                " tokens (got " + std::to_string(r.n_ctx) + ")");
  }
  if (cfg.n_ctx_train > 0 && r.n_ctx > cfg.n_ctx_train) {
    throw Error(path + ": a context of " + std::to_string(r.n_ctx) +
                " tokens is more than the model was trained for (" +
                std::to_string(cfg.n_ctx_train) + "): use -c " + std::to_string(cfg.n_ctx_train) +
                " or less");
  }
  const uint64_t memory = r.memory_bytes > 0 ? r.memory_bytes : physical_memory_bytes();
  if (memory == 0) return;
  // n_ctx is bounded by the checks above or by the caller, so this stays far from overflow.
  const auto per_token = static_cast<uint64_t>(std::max<int64_t>(r.kv_bytes_per_token, 0));
  const uint64_t pool = r.kv_tokens > 0 ? static_cast<uint64_t>(r.kv_tokens)
                                        : static_cast<uint64_t>(r.n_ctx) * r.n_seqs;
  const uint64_t kv = per_token * pool;
  const uint64_t total = kv + r.weight_bytes + r.scratch_bytes;
  if (total > memory) {
    throw Error(path + ": a context of " + std::to_string(r.n_ctx) + " tokens needs " + gib(total) +
                " (KV cache " + gib(kv) + ", weights " + gib(r.weight_bytes) +
                (r.scratch_bytes > 0 ? ", buffers " + gib(r.scratch_bytes) : std::string()) +
                ") but this machine has " + gib(memory) + ": use a smaller -c");
  }
}

uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

}  // namespace minke
