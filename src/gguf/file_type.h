// general.file_type: llama.cpp's llama_ftype numbering, the quantization mix a file was made
// with ("Q4_K_M"), as `minke info` and `minke bench` name it.
#pragma once

#include <cstdint>
#include <string>

namespace minke {

// "Q4_K_M" for 15, ...; "type N" for a number llama.cpp does not define.
std::string file_type_name(uint32_t file_type);

}  // namespace minke
