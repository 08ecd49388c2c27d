// Tokenizer facade: special-token partition, then the vocab's BPE flavour on each text fragment,
// with BOS/EOS and SentencePiece's space prefix placed as llama.cpp's llama_tokenize does.
#include "tokenizer/tokenizer.h"

#include "gguf/gguf_file.h"
#include "tokenizer/byte_level_bpe.h"
#include "tokenizer/detokenizer.h"
#include "tokenizer/space_escaped_bpe.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/spm_bpe.h"

namespace minke {

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::move(vocab)) {
  special_ = std::make_unique<SpecialTokens>(vocab_);
  switch (vocab_.kind) {
    case VocabKind::kByteLevelBpe:
      bpe_ = std::make_unique<ByteLevelBpe>(vocab_, vocab_.pre);
      break;
    case VocabKind::kSentencePiece:
      spm_ = std::make_unique<SpmBpe>(vocab_);
      break;
    case VocabKind::kSpaceEscapedBpe:
      escaped_ = std::make_unique<SpaceEscapedBpe>(vocab_);
      break;
  }
}

Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const GgufFile& gguf, TokenizerOptions options) {
  return from_vocab(load_vocab(gguf, VocabOptions{.pre_override = options.pre_override}));
}

std::unique_ptr<Tokenizer> Tokenizer::from_vocab(Vocab vocab) {
  if (vocab.token_to_id.empty()) finalize_vocab(&vocab);
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(vocab)));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, EncodeOptions options) const {
  std::vector<int32_t> out;
  const std::vector<Fragment> fragments = special_->partition(text, options.parse_special);
  if (options.add_special && vocab_.add_bos) out.push_back(vocab_.bos);
  if (bpe_ || escaped_) {
    for (const Fragment& f : fragments) {
      if (!f.is_text()) {
        out.push_back(f.token);
      } else if (bpe_) {
        bpe_->encode(text.substr(f.offset, f.length), &out);
      } else {
        escaped_->encode(text.substr(f.offset, f.length), &out);
      }
    }
  } else {
    // SentencePiece: a space goes in front of text that starts the input or follows a special
    // token (when add_space_prefix), then spaces become U+2581.
    bool prev_special = true;
    for (const Fragment& f : fragments) {
      if (f.is_text()) {
        std::string piece = (vocab_.add_space_prefix && prev_special) ? " " : "";
        piece.append(text.substr(f.offset, f.length));
        spm_->encode(SpmBpe::escape_spaces(piece), &out);
        prev_special = false;
      } else {
        out.push_back(f.token);
        prev_special = true;
      }
    }
  }
  if (options.add_special && vocab_.add_eos) out.push_back(vocab_.eos);
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, DecodeOptions options) const {
  std::string out;
  for (const int32_t id : ids) out += minke::token_to_piece(vocab_, id, options.render_special);
  return out;
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  return minke::token_to_piece(vocab_, id, render_special);
}

const std::string& Tokenizer::token_text(int32_t id) const {
  static const std::string kEmpty;
  return vocab_.valid(id) ? vocab_.tokens[id].text : kEmpty;
}

bool Tokenizer::is_control(int32_t id) const { return vocab_.valid(id) && vocab_.is_control(id); }

std::string Tokenizer::describe() const {
  std::string s;
  switch (vocab_.kind) {
    case VocabKind::kByteLevelBpe:
      s = "BPE (gpt2), pre-tokenizer " + vocab_.pre;
      break;
    case VocabKind::kSentencePiece:
      s = "SentencePiece BPE (llama)";
      break;
    case VocabKind::kSpaceEscapedBpe:
      s = "space-escaped BPE (gemma4)";
      break;
  }
  return s + ", " + std::to_string(vocab_.size()) + " tokens";
}

}  // namespace minke
