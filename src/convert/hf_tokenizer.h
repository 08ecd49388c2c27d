// The tokenizer of a Hugging Face checkpoint (tokenizer.json, tokenizer_config.json) as GGUF
// tokenizer.* keys, the way llama.cpp's converter writes them (facts in hf_tokenizer.cpp), so a
// converted model tokenizes exactly as llama.cpp and transformers do.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace minke {

class GgufWriter;

// Adds tokenizer.ggml.{model,pre,tokens,token_type,merges,*_token_id,add_*_token} and
// tokenizer.chat_template. `config` is config.json (for vocab_size and *_token_id fallbacks);
// `gguf_arch` names the pre-tokenizer where two families share a regex (GLM-4.5's is Llama 3's).
// Byte-level BPE only; a SentencePiece tokenizer or a pre-tokenizer Minke does not know throws
// minke::Error saying so.
void add_hf_tokenizer(const std::string& dir, const nlohmann::json& config,
                      const std::string& gguf_arch, GgufWriter& out);

}  // namespace minke
