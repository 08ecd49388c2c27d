// `minke convert HF_DIR OUT.gguf`: a Hugging Face checkpoint (safetensors, FP8 included) as a
// GGUF model (src/convert/hf_convert.h), one line of progress per tensor.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "command.h"
#include "convert/hf_convert.h"
#include "engine/host_info.h"
#include "format.h"
#include "minke/error.h"
#include "output_file.h"
#include "validators.h"

namespace minke::cli {
namespace {

struct ConvertArgs {
  std::string input, output, outtype = "auto", name;
  int32_t threads = 0;
};

int run_convert(const ConvertArgs& args) {
  ConvertOptions options;
  options.outtype = parse_convert_outtype(args.outtype);
  options.name = args.name;
  options.threads = args.threads > 0 ? args.threads : physical_cores();
  require_writable_dir(args.output);
  const auto start = std::chrono::steady_clock::now();
  uint64_t out_bytes = 0;
  convert_hf_checkpoint(args.input, args.output, options,
                        [&](const std::string& name, GgmlType type,
                            const std::vector<int64_t>& dims, size_t index, size_t count) {
                          const GgmlTypeInfo& info = ggml_type_info(type);
                          const uint64_t bytes =
                              element_count(dims) / info.block_size * info.type_size;
                          out_bytes += bytes;
                          std::fprintf(stderr, "[%4zu/%4zu] %-34s %-22s %-5s %10s\n", index + 1,
                                       count, name.c_str(), dims_text(dims).c_str(),
                                       std::string(info.name).c_str(), human_bytes(bytes).c_str());
                        });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "minke: wrote %s (%s) in %.1f s; quantize it with: minke quantize %s OUT TYPE\n",
               args.output.c_str(), human_bytes(out_bytes).c_str(), seconds, args.output.c_str());
  return 0;
}

}  // namespace

Command add_convert_command(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand(
      "convert",
      "Convert a Hugging Face checkpoint (safetensors; FP8 and gpt-oss's MXFP4 too) to GGUF: "
      "Llama, Qwen2, Qwen3, Qwen3-MoE, DeepSeek-V2/V3/R1, GLM-4.5, gpt-oss, Gemma 4, "
      "Qwen3-Next, Qwen3.5(-MoE)");
  cmd->add_option("input", args->input,
                  "checkpoint directory (config.json, *.safetensors, tokenizer.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("output", args->output, "GGUF file to write (written whole, then renamed)")
      ->required();
  cmd->add_option("--outtype", args->outtype,
                  "weights as auto (the checkpoint's BF16/F16; FP8 becomes F16), f32, f16, bf16 "
                  "or q8_0")
      ->type_name("TYPE")
      ->check(CLI::IsMember({"auto", "f32", "f16", "bf16", "q8_0"}, CLI::ignore_case));
  cmd->add_option("--name", args->name, "general.name (default: the directory's name)");
  add_threads_option(*cmd, args->threads);
  return {cmd, [args] { return run_convert(*args); }};
}

}  // namespace minke::cli
