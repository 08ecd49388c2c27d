// Byte-level BPE encoding, mirroring llama.cpp's llm_tokenizer_bpe_session: text is decoded
// leniently (invalid bytes become U+FFFD), split by the pre-tokenizer, byte-mapped, merged with
// a priority queue (O(n log n) per word), and leftover symbols missing from the vocab dropped.
#include "tokenizer/byte_level_bpe.h"

#include <array>
#include <optional>

#include "tokenizer/pair_merger.h"
#include "tokenizer/utf8.h"

namespace minke {
namespace {

struct ByteTables {
  std::array<uint32_t, 256> to_cpt{};
  std::array<int16_t, 512> to_byte{};  // every mapped code point is below 0x144
};

const ByteTables& byte_tables() {
  static const ByteTables tables = [] {
    ByteTables t;
    t.to_byte.fill(-1);
    // Printable Latin-1 bytes map to themselves; the rest to 0x100, 0x101, ... in byte order.
    uint32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      t.to_cpt[b] = printable ? static_cast<uint32_t>(b) : next++;
      t.to_byte[t.to_cpt[b]] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return tables;
}

}  // namespace

uint32_t byte_to_codepoint(uint8_t byte) { return byte_tables().to_cpt[byte]; }

int codepoint_to_byte(uint32_t cpt) { return cpt < 512 ? byte_tables().to_byte[cpt] : -1; }

void ByteLevelBpe::encode(std::string_view text, std::vector<int32_t>* out) const {
  const std::vector<uint32_t> cpts = utf8::decode_lenient(text);
  const std::vector<size_t> pieces = pre_.split(cpts);
  std::string word, scratch;
  size_t start = 0;
  for (const size_t len : pieces) {
    word.clear();
    for (size_t i = start; i < start + len; ++i) {
      scratch.clear();
      utf8::append(cpts[i], &scratch);
      for (const char c : scratch) utf8::append(byte_to_codepoint(static_cast<uint8_t>(c)), &word);
    }
    encode_word(word, out);
    start += len;
  }
}

void ByteLevelBpe::encode_word(std::string_view word, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (vocab_.ignore_merges) {
    const int32_t id = vocab_.find(word);
    if (id != kNoToken) {
      out->push_back(id);
      return;
    }
  }
  // llama.cpp's fallback looks up each single byte of the mapped text; byte-level vocabs have
  // no such entries for non-ASCII, so unknown pieces mostly vanish, as they do there.
  encode_by_merge_rank(
      vocab_, word, [&](char c) { return vocab_.find(std::string_view(&c, 1)); }, out);
}

}  // namespace minke
