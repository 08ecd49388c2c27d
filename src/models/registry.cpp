// The architecture registry: general.architecture -> loader. Adding an architecture is one
// file (src/models/<arch>.cpp) plus one line here.
#include <string>

#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/architectures.h"

namespace minke {
namespace {

struct Architecture {
  const char* name;  // general.architecture
  std::unique_ptr<Model> (*load)(const GgufFile&, Backend&);
};

constexpr Architecture kArchitectures[] = {
    {"llama", load_llama},          // Llama 2/3, SmolLM2, DeepSeek-R1-Distill-Llama
    {"qwen2", load_qwen2},          // Qwen2, Qwen2.5, DeepSeek-R1-Distill-Qwen
    {"qwen3", load_qwen3},          // Qwen3 dense
    {"qwen3moe", load_qwen3moe},    // Qwen3-30B-A3B, Qwen3-235B-A22B
    {"gemma3", load_gemma3},        // Gemma 3
    {"gemma4", load_gemma4},        // Gemma 4 E2B, E4B, 26B-A4B, 31B
    {"deepseek2", load_deepseek2},  // DeepSeek-V2/V3/R1, V2-Lite, Kimi-K2, Moonlight
    {"glm4moe", load_glm4moe},      // GLM-4.5, GLM-4.5-Air, GLM-4.6
    {"gpt-oss", load_gpt_oss},      // gpt-oss-20b, gpt-oss-120b
    {"qwen35", load_qwen35},        // Qwen3.5 0.8B-27B (dense)
    {"qwen35moe", load_qwen35moe},  // Qwen3.5-35B-A3B, 122B-A10B, 397B-A17B
    {"qwen3next", load_qwen3next},  // Qwen3-Next-80B-A3B (Instruct, Thinking)
};

}  // namespace

std::vector<std::string> supported_architectures() {
  std::vector<std::string> names;
  for (const Architecture& a : kArchitectures) names.emplace_back(a.name);
  return names;
}

std::unique_ptr<Model> load_model(const GgufFile& file, Backend& backend) {
  const GgufValue* v = file.find("general.architecture");
  if (v == nullptr) throw Error(file.path() + ": missing key general.architecture");
  const std::string arch(v->as_string());
  std::string known;
  for (const Architecture& a : kArchitectures) {
    if (arch == a.name) return a.load(file, backend);
    known += (known.empty() ? "" : ", ") + std::string(a.name);
  }
  throw Error(file.path() + ": architecture '" + arch +
              "' is not supported yet (supported: " + known + ")");
}

}  // namespace minke
