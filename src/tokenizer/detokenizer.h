// Detokenization: the bytes a token stands for (llama.cpp's token_to_piece rules) and a streaming
// decoder that turns ids, one at a time, into complete UTF-8 text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tokenizer/vocab.h"

namespace minke {

// Bytes of one token. Control and unknown tokens are empty unless render_special; user-defined
// tokens are always their text; unused/undefined tokens are empty. Byte-level vocabs map code
// points back to bytes; SentencePiece and space-escaped BPE turn U+2581 into spaces and <0xXX>
// into the byte.
// Invalid ids give "".
std::string token_to_piece(const Vocab& vocab, int32_t id, bool render_special);
// The same bytes appended to *out, with no allocation beyond out's growth (the streaming path).
void append_token_piece(const Vocab& vocab, int32_t id, bool render_special, std::string* out);

// Feeds token pieces and releases only complete, valid UTF-8. A multi-byte character split
// across tokens is held until it completes. Bytes that can never form valid UTF-8 are replaced
// by U+FFFD (one per maximal invalid subpart, as WHATWG/Unicode recommend) as soon as that is
// certain; an incomplete character still pending at flush() also becomes U+FFFD.
// push() and push_bytes() reuse the decoder's buffers: once they have grown to the longest
// piece seen, decoding a token allocates nothing (the decode loop's rule).
class StreamingDecoder {
 public:
  StreamingDecoder(const Vocab& vocab, bool render_special = false)
      : vocab_(vocab), render_special_(render_special) {}
  // Text that became complete with this token (may be empty); valid until the next call.
  std::string_view push(int32_t id);
  std::string_view push_bytes(std::string_view bytes);
  std::string flush();  // whatever is pending, made valid
  size_t pending_bytes() const { return pending_.size(); }

 private:
  std::string_view release();  // moves the complete prefix of pending_ into out_

  const Vocab& vocab_;
  bool render_special_;
  std::string pending_;
  std::string out_;
};

}  // namespace minke
