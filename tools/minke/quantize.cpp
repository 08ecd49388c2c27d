// `minke quantize IN OUT TYPE`: a GGUF model rewritten in another block format, with llama.cpp's
// tensor-type mixes (src/convert/quantize_model.h), one line of progress per tensor.
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "command.h"
#include "convert/quantize_model.h"
#include "engine/host_info.h"
#include "format.h"
#include "minke/error.h"
#include "output_file.h"
#include "validators.h"

namespace minke::cli {
namespace {

struct QuantizeArgs {
  std::string input, output, type;
  std::string output_tensor_type, token_embedding_type;
  bool pure = false, allow_requantize = false, leave_output = false;
  int32_t threads = 0;
};

// A GGUF tensor type by the name llama.cpp prints ("Q6_K", "f16"), for the per-tensor overrides.
GgmlType tensor_type_named(const std::string& name, const char* option) {
  std::string want = name;
  for (char& c : want) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (uint32_t id = 0; id < 64; ++id) {
    const std::optional<GgmlTypeInfo> info = ggml_type_info(id);
    if (info && info->name == want) return info->type;
  }
  throw Error(std::string(option) + " " + name + " is not a tensor type (e.g. Q8_0, Q6_K, F16)");
}

int run_quantize(const QuantizeArgs& args) {
  const std::optional<QuantMix> mix = find_quant_mix(args.type);  // checked by the parser
  std::error_code ec;
  if (std::filesystem::equivalent(args.input, args.output, ec)) {
    throw Error(args.output + " is the input file; write the quantized model to a new file");
  }
  QuantizeOptions options;
  options.mix = *mix;
  options.pure = args.pure;
  options.allow_requantize = args.allow_requantize;
  options.quantize_output = !args.leave_output;
  if (!args.output_tensor_type.empty()) {
    options.output_type = tensor_type_named(args.output_tensor_type, "--output-tensor-type");
  }
  if (!args.token_embedding_type.empty()) {
    options.token_embedding_type =
        tensor_type_named(args.token_embedding_type, "--token-embedding-type");
  }
  options.threads = args.threads > 0 ? args.threads : physical_cores();

  // Fail before the work, not after it: a directory that cannot take the file, a refused input.
  require_writable_dir(args.output);
  uint64_t in_bytes = 0, out_bytes = 0, n_weights = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto on_start = [&](uint64_t bytes) {
    in_bytes = bytes;
    std::fprintf(stderr, "minke: quantizing %s (%s) to %s with %d threads\n", args.input.c_str(),
                 human_bytes(in_bytes).c_str(), std::string(mix->name).c_str(), options.threads);
  };
  quantize_model_file(args.input, args.output, options, on_start,
                      [&](const TensorQuantPlan& p, size_t index, size_t count) {
                        const GgmlTypeInfo& to = ggml_type_info(p.to);
                        const uint64_t n = element_count(p.dims);
                        const uint64_t bytes = n / to.block_size * to.type_size;
                        out_bytes += bytes;
                        n_weights += n;
                        std::fprintf(stderr, "[%4zu/%4zu] %-34s %-22s %5s -> %-5s %10s%s\n",
                                     index + 1, count, p.name.c_str(), dims_text(p.dims).c_str(),
                                     std::string(ggml_type_name(p.from)).c_str(),
                                     std::string(to.name).c_str(), human_bytes(bytes).c_str(),
                                     p.fell_back ? "  (rows do not fit the mix's type)" : "");
                      });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(
      stderr, "minke: wrote %s: %s -> %s (%.2f bits per weight) in %.1f s\n", args.output.c_str(),
      human_bytes(in_bytes).c_str(), human_bytes(out_bytes).c_str(),
      n_weights > 0 ? 8.0 * static_cast<double>(out_bytes) / static_cast<double>(n_weights) : 0.0,
      seconds);
  return 0;
}

}  // namespace

Command add_quantize_command(CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "quantize",
      "Rewrite a GGUF model in another block format (llama.cpp's mixes; the file loads in "
      "llama.cpp too)");
  cmd->add_option("input", args->input, "GGUF model to read (F32/F16/BF16 weights)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("output", args->output, "GGUF file to write (written whole, then renamed)")
      ->required();
  cmd->add_option("type", args->type, "target mix: " + quant_mix_list() + " (Q4_K = Q4_K_M)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return find_quant_mix(text) ? ""
                                        : text + " is not a mix Minke makes: " + quant_mix_list();
          },
          ""));
  cmd->add_flag("--pure", args->pure,
                "every weight gets the type itself (no extra bits for output, attn_v, ffn_down)");
  cmd->add_flag("--allow-requantize", args->allow_requantize,
                "accept an already quantized input (each round of quantization adds error)");
  cmd->add_flag("--leave-output-tensor", args->leave_output, "keep output.weight as it is");
  cmd->add_option("--output-tensor-type", args->output_tensor_type,
                  "type for output.weight (e.g. Q8_0)")
      ->type_name("TYPE");
  cmd->add_option("--token-embedding-type", args->token_embedding_type,
                  "type for token_embd.weight (e.g. Q8_0)")
      ->type_name("TYPE");
  add_threads_option(*cmd, args->threads);
  return {cmd, [args] { return run_quantize(*args); }};
}

}  // namespace minke::cli
