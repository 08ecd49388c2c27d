// `minke convert`: a Hugging Face checkpoint directory (config.json, *.safetensors in F32, F16,
// BF16, DeepSeek's FP8 e4m3 with 128x128 weight_scale_inv blocks or gpt-oss's MXFP4 experts,
// tokenizer.json, tokenizer_config.json) written as a GGUF file that Minke and llama.cpp load: the
// tensor names, layouts and metadata keys of llama.cpp's convert_hf_to_gguf.py (facts in
// hf_convert.cpp), tensor by tensor (experts stacked one at a time, so memory stays at about one
// expert). Architectures: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM,
// Qwen3MoeForCausalLM, DeepseekV2ForCausalLM, DeepseekV3ForCausalLM, Glm4MoeForCausalLM,
// GptOssForCausalLM, Gemma4ForCausalLM, Qwen3NextForCausalLM, Qwen3_5(Moe)ForCausalLM, and the
// text model of Gemma4ForConditionalGeneration and Qwen3_5(Moe)ForConditionalGeneration (vision
// and audio towers left out).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/ggml_type.h"

namespace minke {

// The weights' storage in the output: as the checkpoint (BF16 stays BF16, F16 F16; FP8 and F32
// checkpoints become F16), or one of F32, F16, BF16, Q8_0 (norms, biases and routers stay F32;
// MXFP4 experts stay MXFP4 whatever the choice, as llama.cpp's converter keeps them).
enum class ConvertOutType { Auto, F32, F16, BF16, Q8_0 };

struct ConvertOptions {
  ConvertOutType outtype = ConvertOutType::Auto;
  std::string name;  // general.name; default: the directory's name
  int threads = 1;
};

// Called after each tensor is written.
using ConvertProgress =
    std::function<void(const std::string& name, GgmlType type, const std::vector<int64_t>& dims,
                       size_t index, size_t count)>;

// Converts `dir` into `out_path` (atomically: see GgufWriter::write_file). Throws minke::Error
// naming what it cannot convert (an architecture, a dtype, a tensor it cannot place).
void convert_hf_checkpoint(const std::string& dir, const std::string& out_path,
                           const ConvertOptions& options, const ConvertProgress& progress = {});

// "f16" -> F16 ...; throws minke::Error for another name.
ConvertOutType parse_convert_outtype(std::string_view name);

}  // namespace minke
