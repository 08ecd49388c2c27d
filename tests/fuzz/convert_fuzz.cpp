// libFuzzer target for `minke convert`'s reading of a checkpoint's files. The first byte picks one
// of the tiny Hugging Face fixtures (tests/golden/data/hf) and which of its files the rest of the
// input replaces: config.json, tokenizer.json, tokenizer_config.json, or the JSON header of
// model.safetensors (followed by the fixture's own tensor data, so the offsets, shapes and dtypes
// the header claims meet real bytes). Whatever the files say, the conversion either writes a
// file or throws minke::Error; it never reads out of bounds, overflows or allocates without
// bound (sanitizers and libFuzzer's RSS limit catch the rest).
#include <unistd.h>
#include <cstddef>
#include <cstdint>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
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

// The files a fuzz input may stand for, in selector order.
const char* const kFiles[] = {"config.json", "tokenizer.json", "tokenizer_config.json",
                              "model.safetensors"};
constexpr size_t kNumFiles = sizeof(kFiles) / sizeof(kFiles[0]);

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& p, std::string_view a, std::string_view b = {}) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(a.data(), static_cast<std::streamsize>(a.size()));
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

// One scratch checkpoint per fixture, its files copied in; each input replaces one of them,
// which is put back afterwards.
struct Scratch {
  fs::path root, out;
  std::vector<fs::path> dirs;
  std::vector<std::vector<std::string>> originals;  // [fixture][file]
  std::vector<std::string> tensor_data;             // [fixture]: model.safetensors past its header
  Scratch() {
    root = fs::temp_directory_path() / ("minke_convert_fuzz_" + std::to_string(::getpid()));
    fs::create_directories(root);
    out = root / "out.gguf";
    for (const char* name : kFixtures) {
      const fs::path src = minke::testing::golden_dir() / "hf" / name;
      const fs::path dir = root / name;
      fs::create_directories(dir);
      std::vector<std::string>& files = originals.emplace_back();
      for (const char* f : kFiles) {
        files.push_back(read_file(src / f));
        write_file(dir / f, files.back());
      }
      const std::string& st = files.back();
      uint64_t header = 0;
      for (int i = 7; i >= 0; --i) header = header << 8 | static_cast<uint8_t>(st.at(i));
      tensor_data.push_back(st.substr(8 + header));
      dirs.push_back(dir);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Scratch scratch;
  if (size < 1) return 0;
  const size_t fixture = data[0] % kNumFixtures;
  const size_t file = (data[0] / kNumFixtures) % kNumFiles;
  const fs::path& dir = scratch.dirs[fixture];
  const fs::path path = dir / kFiles[file];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (file + 1 == kNumFiles) {
    std::string length(8, '\0');
    for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((input.size() >> (8 * i)) & 0xff);
    write_file(path, length + std::string(input), scratch.tensor_data[fixture]);
  } else {
    write_file(path, input);
  }
  try {
    minke::convert_hf_checkpoint(dir.string(), scratch.out.string(),
                                 {.outtype = minke::ConvertOutType::F16});
  } catch (const minke::Error&) {
  }
  write_file(path, scratch.originals[fixture][file]);
  std::error_code ec;
  fs::remove(scratch.out, ec);
  return 0;
}
