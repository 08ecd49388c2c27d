// libFuzzer target for `minke convert`'s reading of config.json against a checkpoint: the first
// byte picks one of the tiny Hugging Face fixtures (tests/golden/data/hf), the rest is its
// config.json. Whatever the config says (shapes, head counts, layer types, quantization), the
// conversion either writes a file or throws minke::Error; it never reads out of bounds, overflows
// or allocates without bound (sanitizers and libFuzzer's RSS limit catch the rest).
#include <unistd.h>
#include <cstddef>
#include <cstdint>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "convert/hf_convert.h"
#include "minke/error.h"
#include "support/test_paths.h"

namespace {

namespace fs = std::filesystem;

// The fixtures whose converters differ most: FP8 MLA, GLM, gpt-oss MXFP4, Gemma 4, the two
// linear-attention layouts.
const char* const kFixtures[] = {"deepseek-v3-fp8", "glm4moe",   "gpt-oss-mxfp4",
                                 "gemma4",          "qwen3next", "qwen35"};
constexpr size_t kNumFixtures = sizeof(kFixtures) / sizeof(kFixtures[0]);

// One scratch checkpoint per fixture: its tensors and tokenizer linked in, config.json ours.
struct Scratch {
  fs::path root, out;
  std::vector<fs::path> dirs;
  Scratch() {
    root = fs::temp_directory_path() / ("minke_convert_fuzz_" + std::to_string(::getpid()));
    fs::create_directories(root);
    out = root / "out.gguf";
    for (const char* name : kFixtures) {
      const fs::path src = minke::testing::golden_dir() / "hf" / name;
      const fs::path dir = root / name;
      fs::create_directories(dir);
      for (const char* f : {"model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
        fs::create_symlink(fs::absolute(src / f), dir / f);
      }
      dirs.push_back(dir);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Scratch scratch;
  if (size < 1) return 0;
  const fs::path& dir = scratch.dirs[data[0] % kNumFixtures];
  {
    std::ofstream config(dir / "config.json", std::ios::binary | std::ios::trunc);
    config.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  try {
    minke::convert_hf_checkpoint(dir.string(), scratch.out.string(),
                                 {.outtype = minke::ConvertOutType::F16});
  } catch (const minke::Error&) {
  }
  std::error_code ec;
  fs::remove(scratch.out, ec);
  return 0;
}
