// ModelStore: the models `minke pull` keeps, in $MINKE_HOME (default ~/.cache/minke/models), as
// Ollama users expect: pulled once, then named by file name anywhere a model path is taken.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace minke {

// $MINKE_HOME, else $XDG_CACHE_HOME/minke/models, else $HOME/.cache/minke/models.
std::string model_store_dir();

struct StoredModel {
  std::string name;  // the file name, e.g. "SmolLM2-135M-Instruct.Q4_1.gguf"
  std::string path;
  uint64_t bytes = 0;
};

// Complete models in the store (not .part downloads), by name.
std::vector<StoredModel> list_stored_models();

// The stored model a name means ("NAME" or "NAME.gguf"), if `name` is not a path to a file.
std::optional<std::string> find_stored_model(const std::string& name);

// Where a source is fetched from: an http(s) URL of a .gguf, or hf:OWNER/REPO/FILE.gguf
// (resolved to Hugging Face's download URL; $MINKE_HF_ENDPOINT replaces https://huggingface.co).
struct PullSource {
  std::string url;
  std::string file_name;  // the name it is stored under
};
// Throws minke::Error (a usage-level message) for anything else, and for file names that are
// not plain names ([A-Za-z0-9._-], ending in .gguf).
PullSource parse_pull_source(const std::string& source);

struct PullOptions {
  std::string sha256;  // lowercase hex; empty: not checked
  // Progress: bytes so far and the total (0 when unknown); called at most a few times a second.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Downloads into the store as NAME.part (resuming a part left by an interrupted pull), checks
// it is a GGUF file Minke can read and its SHA-256 if given, then renames it to NAME and
// returns its path. Throws minke::Error saying what failed; a file that fails a check is
// deleted, while a cut-off transfer keeps its part for the next pull to resume.
std::string pull_model(const PullSource& source, const PullOptions& options);

}  // namespace minke
