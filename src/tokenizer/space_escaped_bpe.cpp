// Space-escaped BPE encoding, mirroring llama.cpp's llm_tokenizer_bpe_session for the gemma4
// pre-type (escape_whitespaces, the "[^\n]+|[\n]+" split, byte_encode off): leniently decoded
// text, merges by rank, a newline run that is one vocab entry kept whole, and pieces missing
// from the vocab spelled as <0xXX> tokens (bytes without one are dropped, as there).
#include "tokenizer/space_escaped_bpe.h"

#include <cstdio>
#include <optional>
#include <string>

#include "tokenizer/pair_merger.h"
#include "tokenizer/spm_bpe.h"
#include "tokenizer/utf8.h"

namespace minke {

SpaceEscapedBpe::SpaceEscapedBpe(const Vocab& vocab) : vocab_(vocab), byte_tokens_(256) {
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "<0x%02X>", b);
    byte_tokens_[b] = vocab.find(hex);
  }
}

void SpaceEscapedBpe::encode(std::string_view text, std::vector<int32_t>* out) const {
  // Invalid UTF-8 becomes U+FFFD before splitting, as llama.cpp's unicode_regex_split does.
  const std::vector<uint32_t> cpts = utf8::decode_lenient(SpmBpe::escape_spaces(text));
  std::string word;
  for (size_t i = 0; i < cpts.size();) {
    const bool newlines = cpts[i] == '\n';
    word.clear();
    for (; i < cpts.size() && (cpts[i] == '\n') == newlines; ++i) utf8::append(cpts[i], &word);
    // llama.cpp (PR 21343): a run of newlines that is a token stays one, whatever the merges say.
    const int32_t whole = newlines ? vocab_.find(word) : kNoToken;
    if (whole != kNoToken) {
      out->push_back(whole);
    } else {
      encode_word(word, out);
    }
  }
}

void SpaceEscapedBpe::encode_word(std::string_view word, std::vector<int32_t>* out) const {
  // A piece without a token is spelled with the <0xXX> byte tokens.
  encode_by_merge_rank(
      vocab_, word, [&](char c) { return byte_tokens_[static_cast<uint8_t>(c)]; }, out);
}

}  // namespace minke
