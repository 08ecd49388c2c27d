// PrefixIndex: see prefix_index.h.
#include "kv/prefix_index.h"

#include <bit>

#include "core/check.h"

namespace minke {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

PrefixIndex::PrefixIndex(int32_t n_blocks)
    : table_(std::bit_ceil(static_cast<size_t>(n_blocks) * 2), -1),
      hashes_(static_cast<size_t>(n_blocks)),
      has_hash_(static_cast<size_t>(n_blocks), 0),
      prev_(static_cast<size_t>(n_blocks), kNone),
      next_(static_cast<size_t>(n_blocks), -1) {}

BlockHash PrefixIndex::chain(const BlockHash& parent, std::span<const int32_t> tokens) {
  // Two different mixes of every token into the parent's two halves.
  uint64_t a = parent.a ^ 0x9e3779b97f4a7c15ull, b = parent.b ^ 0xc2b2ae3d27d4eb4full;
  for (const int32_t t : tokens) {
    const auto u = static_cast<uint64_t>(static_cast<uint32_t>(t));
    a = mix(a + u);
    b = (b ^ u) * 0x100000001b3ull;
    b = mix(b + 0x27d4eb2f165667c5ull);
  }
  return {mix(a ^ tokens.size()), mix(b + tokens.size())};
}

size_t PrefixIndex::slot_of(const BlockHash& hash) const {
  const size_t mask = table_.size() - 1;
  size_t i = static_cast<size_t>(hash.a) & mask;
  while (table_[i] >= 0 && !(hashes_[static_cast<size_t>(table_[i])] == hash)) i = (i + 1) & mask;
  return i;
}

int32_t PrefixIndex::find(const BlockHash& hash) const { return table_[slot_of(hash)]; }

void PrefixIndex::insert(const BlockHash& hash, int32_t block) {
  MINKE_CHECK(!indexed(block));
  const size_t i = slot_of(hash);
  MINKE_CHECK(table_[i] < 0);
  table_[i] = block;
  hashes_[static_cast<size_t>(block)] = hash;
  has_hash_[static_cast<size_t>(block)] = 1;
}

void PrefixIndex::erase(int32_t block) {
  if (!indexed(block)) return;
  MINKE_CHECK(!parked(block));
  const size_t mask = table_.size() - 1;
  size_t i = slot_of(hashes_[static_cast<size_t>(block)]);
  MINKE_CHECK(table_[i] == block);
  has_hash_[static_cast<size_t>(block)] = 0;
  // Backward shift: move later entries of the probe run into the hole while that keeps them
  // reachable from their home slot.
  for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
    if (table_[j] < 0) break;
    const size_t home = static_cast<size_t>(hashes_[static_cast<size_t>(table_[j])].a) & mask;
    const bool between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (between) continue;
    table_[i] = table_[j];
    i = j;
  }
  table_[i] = -1;
}

void PrefixIndex::park(int32_t block) {
  MINKE_CHECK(indexed(block) && !parked(block));
  const auto b = static_cast<size_t>(block);
  prev_[b] = newest_ < 0 ? kHead : newest_;
  next_[b] = -1;
  if (newest_ >= 0) next_[static_cast<size_t>(newest_)] = block;
  newest_ = block;
  if (oldest_ < 0) oldest_ = block;
  ++n_parked_;
}

void PrefixIndex::unpark(int32_t block) {
  MINKE_CHECK(parked(block));
  const auto b = static_cast<size_t>(block);
  const int32_t p = prev_[b], n = next_[b];
  if (p >= 0) {
    next_[static_cast<size_t>(p)] = n;
  } else {
    oldest_ = n;
  }
  if (n >= 0) {
    prev_[static_cast<size_t>(n)] = p < 0 ? kHead : p;
  } else {
    newest_ = p < 0 ? -1 : p;
  }
  prev_[b] = kNone;
  next_[b] = -1;
  --n_parked_;
}

int32_t PrefixIndex::evict() {
  if (oldest_ < 0) return -1;
  const int32_t block = oldest_;
  unpark(block);
  erase(block);
  return block;
}

}  // namespace minke
