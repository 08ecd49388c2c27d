// Private entry point of the validating GGUF parser (gguf_parser.cpp).
#pragma once

#include <cstdint>
#include <span>

#include "gguf/gguf_file.h"

namespace minke {

// Fills `file` (whose path is already set) from `bytes`; throws minke::Error.
void parse_gguf_into(GgufFile& file, std::span<const uint8_t> bytes);

}  // namespace minke
