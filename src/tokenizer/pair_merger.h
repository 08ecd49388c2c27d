// Greedy pairwise merging shared by both BPE flavours: the text starts as one symbol per UTF-8
// character and the best adjacent pair merges until no pair qualifies. Byte-level BPE ranks a
// pair by its merge rank (lower first), SentencePiece by the merged token's score (higher
// first); equal priorities merge leftmost first, as llama.cpp's sessions do. A priority queue
// keeps this O(n log n) per piece.
#pragma once

#include <algorithm>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/utf8.h"
#include "tokenizer/vocab.h"

namespace minke {

// A live symbol is text.substr(start, n); merged-away symbols have n == 0. The survivors form
// a list from index 0 through next (-1 ends it).
struct MergeSymbol {
  int prev;
  int next;
  size_t start;
  size_t n;
};

// `priority(left, right)` returns the pair's priority (higher merges first) or nullopt when
// the pair may not merge.
template <typename Priority>
std::vector<MergeSymbol> merge_pairs(std::string_view text, Priority&& priority) {
  std::vector<MergeSymbol> symbols;
  for (size_t off = 0; off < text.size();) {
    const size_t n = std::min(text.size() - off, utf8::lead_length(text[off]));
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, off + n == text.size() ? -1 : index + 1, off, n});
    off += n;
  }
  struct Candidate {
    double priority;
    int left, right;
    size_t size;  // bytes of the merged pair when queued
  };
  const auto later = [](const Candidate& a, const Candidate& b) {
    return a.priority < b.priority || (a.priority == b.priority && a.left > b.left);
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)> queue(later);
  const auto consider = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const MergeSymbol& l = symbols[static_cast<size_t>(left)];
    const MergeSymbol& r = symbols[static_cast<size_t>(right)];
    if (const std::optional<double> p = priority(l, r)) queue.push({*p, left, right, l.n + r.n});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) consider(i - 1, i);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    MergeSymbol& l = symbols[static_cast<size_t>(c.left)];
    MergeSymbol& r = symbols[static_cast<size_t>(c.right)];
    // Stale entry: one side was merged away or grew since it was queued (sizes only grow, so
    // an equal total size means the same text).
    if (l.n == 0 || r.n == 0 || l.n + r.n != c.size) continue;
    l.n += r.n;
    r.n = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = c.left;
    consider(l.prev, c.left);
    consider(c.left, l.next);
  }
  return symbols;
}

// Merge-rank BPE of one word (byte-level BPE, Gemma 4's space-escaped BPE): appends each final
// piece's id; a piece the vocabulary lacks becomes byte_id(byte) for each of its bytes, those
// that are kNoToken dropped.
template <typename ByteId>
void encode_by_merge_rank(const Vocab& vocab, std::string_view word, ByteId&& byte_id,
                          std::vector<int32_t>* out) {
  std::string scratch;
  const std::vector<MergeSymbol> symbols =
      merge_pairs(word, [&](const MergeSymbol& l, const MergeSymbol& r) -> std::optional<double> {
        const int32_t rank =
            vocab.merge_rank(word.substr(l.start, l.n), word.substr(r.start, r.n), &scratch);
        if (rank < 0) return std::nullopt;
        return -static_cast<double>(rank);  // the lowest rank merges first
      });
  for (int i = 0; i != -1; i = symbols[static_cast<size_t>(i)].next) {
    const MergeSymbol& s = symbols[static_cast<size_t>(i)];
    const std::string_view piece = word.substr(s.start, s.n);
    const int32_t id = vocab.find(piece);
    if (id != kNoToken) {
      out->push_back(id);
      continue;
    }
    for (const char c : piece) {
      const int32_t b = byte_id(c);
      if (b != kNoToken) out->push_back(b);
    }
  }
}

}  // namespace minke
