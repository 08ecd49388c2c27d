// Where tests find committed fixtures and downloaded models.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace minke::testing {

// The source tree root (fixtures live under tests/).
inline std::filesystem::path source_dir() {
  if (const char* env = std::getenv("MINKE_SOURCE_DIR")) return env;
#ifdef MINKE_SOURCE_DIR
  return MINKE_SOURCE_DIR;
#else
  return ".";
#endif
}

inline std::filesystem::path golden_dir() { return source_dir() / "tests" / "golden" / "data"; }

// Models fetched by scripts/fetch-models.sh (MINKE_MODELS overrides the folder).
inline std::filesystem::path models_dir() {
  if (const char* env = std::getenv("MINKE_MODELS")) return env;
  return source_dir() / "models";
}

// Path of a model file; the caller should ASSERT that it exists with
// model_missing_message() so a missing download fails loudly (never a skip).
inline std::filesystem::path model_path(const std::string& file) { return models_dir() / file; }

inline std::string model_missing_message(const std::filesystem::path& p) {
  return p.string() + " is missing: run scripts/fetch-models.sh";
}

inline constexpr const char* kSmolLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf";
inline constexpr const char* kGemma3 = "gemma-3-270m-q4_k_m.gguf";
inline constexpr const char* kQwen2 = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf";

}  // namespace minke::testing
