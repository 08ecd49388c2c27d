// The loaders registry.cpp lists, one per architecture file.
#pragma once

#include <memory>

#include "models/model.h"

namespace minke {

std::unique_ptr<Model> load_llama(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_qwen2(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_qwen3(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_qwen3moe(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_gemma3(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_gemma4(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_deepseek2(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_glm4moe(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_gpt_oss(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_qwen35(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_qwen35moe(const GgufFile& file, Backend& backend);
std::unique_ptr<Model> load_qwen3next(const GgufFile& file, Backend& backend);

}  // namespace minke
