// SentencePiece BPE encoding, mirroring llama.cpp's llm_tokenizer_spm_session (score-ordered
// bigram queue, leftmost first on equal scores, byte fallback for unknown characters).
#include "tokenizer/spm_bpe.h"

#include <cstdio>
#include <queue>

#include "minke/error.h"
#include "tokenizer/utf8.h"

namespace minke {
namespace {

struct Symbol {
  int prev, next;
  size_t start, n;
};
struct Bigram {
  float score;
  int left, right;
  size_t size;
};
struct BigramOrder {  // highest score first, then leftmost
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

SpmBpe::SpmBpe(const Vocab& vocab) : vocab_(vocab), byte_tokens_(256, kNoToken) {
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "<0x%02X>", b);
    int32_t id = vocab.find(hex);
    if (id == kNoToken) id = vocab.find(std::string(1, static_cast<char>(b)));
    byte_tokens_[b] = id;
  }
}

int32_t SpmBpe::byte_token(uint8_t byte) const {
  if (byte_tokens_[byte] != kNoToken) return byte_tokens_[byte];
  // llama.cpp throws out of tokenize() here; the unknown token is the closer SentencePiece
  // behaviour for vocabs without byte fallback.
  if (vocab_.unk != kNoToken) return vocab_.unk;
  char hex[8];
  std::snprintf(hex, sizeof(hex), "<0x%02X>", byte);
  throw Error(std::string("tokenizer: the vocab has no token for byte ") + hex +
              " and no unknown token");
}

std::string SpmBpe::escape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == ' ') {
      out += "\xE2\x96\x81";
    } else {
      out += c;
    }
  }
  return out;
}

void SpmBpe::encode(std::string_view text, std::vector<int32_t>* out) const {
  if (text.empty()) return;
  std::vector<Symbol> symbols;
  for (size_t off = 0; off < text.size();) {
    const size_t n = std::min(text.size() - off, utf8::lead_length(text[off]));
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, off + n == text.size() ? -1 : index + 1, off, n});
    off += n;
  }
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const int32_t id = vocab_.find(text.substr(l.start, l.n + symbols[right].n));
    if (id == kNoToken) return;
    queue.push({vocab_.tokens[id].score, left, right, l.n + symbols[right].n});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);
  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& l = symbols[b.left];
    Symbol& r = symbols[b.right];
    if (l.n == 0 || r.n == 0 || l.n + r.n != b.size) continue;
    l.n += r.n;
    r.n = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[r.next].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }
  for (int i = 0; i != -1; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    // Every merged symbol is a vocab entry; only single characters can be missing.
    const int32_t id = vocab_.find(text.substr(s.start, s.n));
    if (id != kNoToken) {
      out->push_back(id);
      continue;
    }
    for (size_t j = 0; j < s.n; ++j) out->push_back(byte_token(text[s.start + j]));
  }
}

}  // namespace minke
