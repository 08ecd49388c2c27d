// Tokenizer: the facade the CLI, chat and engine use. Built from a GGUF file's tokenizer
// metadata; encode() gives the same ids as llama.cpp's llama_tokenize for the supported
// tokenizer models (byte-level BPE "gpt2" with the pre-tokenizers listed in pre_tokenizer.cpp,
// SentencePiece BPE "llama", space-escaped BPE "gemma4").
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace minke {

class GgufFile;
class ByteLevelBpe;
class SpmBpe;
class SpaceEscapedBpe;
class SpecialTokens;

struct TokenizerOptions {
  // Non-empty: use this pre-tokenizer type instead of tokenizer.ggml.pre (byte-level BPE only).
  std::string pre_override;
};

struct EncodeOptions {
  // Add the model's special prefix/suffix as its metadata asks: BOS when add_bos_token is set,
  // EOS when add_eos_token is set (llama_tokenize's add_special).
  bool add_special = true;
  // Turn special token texts (<|im_start|>, <start_of_turn>, ...) into their ids. User-defined
  // tokens are matched even when this is off, as in llama.cpp.
  bool parse_special = true;
};

struct DecodeOptions {
  bool render_special = false;  // include the text of control tokens such as <|im_end|>
};

class Tokenizer {
 public:
  static std::unique_ptr<Tokenizer> from_gguf(const GgufFile& gguf, TokenizerOptions options = {});
  static std::unique_ptr<Tokenizer> from_vocab(Vocab vocab);  // vocab built by hand (tests)
  ~Tokenizer();

  std::vector<int32_t> encode(std::string_view text, EncodeOptions options = {}) const;
  // Concatenated pieces; may end in the middle of a UTF-8 character (use StreamingDecoder for
  // incremental output). No clean-up pass: what llama_detokenize gives with clean_spaces off
  // (llama.cpp's setting for qwen2 and qwen35, among others).
  std::string decode(std::span<const int32_t> ids, DecodeOptions options = {}) const;
  std::string token_to_piece(int32_t id, bool render_special = false) const;
  // The raw vocab entry (byte-level form for gpt2, U+2581 for spaces in SentencePiece).
  const std::string& token_text(int32_t id) const;

  int32_t n_vocab() const { return vocab_.size(); }
  int32_t bos() const { return vocab_.bos; }  // kNoToken (-1) when the model has none
  int32_t eos() const { return vocab_.eos; }
  int32_t eot() const { return vocab_.eot; }
  bool add_bos_default() const { return vocab_.add_bos; }
  bool add_eos_default() const { return vocab_.add_eos; }
  bool is_eog(int32_t id) const { return vocab_.eog.count(id) != 0; }
  bool is_control(int32_t id) const;
  // e.g. "BPE (gpt2), pre-tokenizer smollm, 49152 tokens"
  std::string describe() const;
  const Vocab& vocab() const { return vocab_; }

 private:
  explicit Tokenizer(Vocab vocab);
  Vocab vocab_;
  std::unique_ptr<SpecialTokens> special_;
  std::unique_ptr<ByteLevelBpe> bpe_;
  std::unique_ptr<SpmBpe> spm_;
  std::unique_ptr<SpaceEscapedBpe> escaped_;
};

}  // namespace minke
