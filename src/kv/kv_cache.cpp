// KvCache: block tables over a BlockAllocator shared by all layers (see kv_cache.h).
#include "kv/kv_cache.h"

#include <algorithm>
#include <string>

#include "core/check.h"
#include "minke/error.h"

namespace minke {
namespace {

int32_t pool_blocks(const KvCacheOptions& o) {
  MINKE_CHECK(o.layout.block_size > 0 &&
              (o.layout.latent_dim > 0 || (o.layout.n_head_kv > 0 && o.layout.head_dim > 0)));
  if (o.n_blocks > 0) return o.n_blocks;
  if (o.n_ctx_total <= 0) throw Error("KV cache: the context size must be positive (-c)");
  return (o.n_ctx_total + o.layout.block_size - 1) / o.layout.block_size;
}

}  // namespace

KvCache::KvCache(Backend& backend, const KvCacheOptions& options)
    : layout_(options.layout), blocks_(pool_blocks(options)) {
  MINKE_CHECK(options.n_layer > 0);
  layers_.reserve(static_cast<size_t>(options.n_layer));
  for (int32_t il = 0; il < options.n_layer; ++il) {
    layers_.push_back(backend.alloc_kv(blocks_.n_blocks(), layout_));
  }
}

void KvCache::reserve(int32_t seq, int32_t n_tokens) {
  MINKE_CHECK(seq >= 0 && n_tokens >= 0);
  auto it = seqs_.find(seq);
  const int32_t have = it == seqs_.end() ? 0 : static_cast<int32_t>(it->second.blocks.size());
  const int32_t need = blocks_for(n_tokens) - have;
  if (need > blocks_.n_free()) {
    throw Error("KV cache full: sequence " + std::to_string(seq) + " needs " +
                std::to_string(n_tokens) + " tokens (" + std::to_string(need) + " more blocks of " +
                std::to_string(layout_.block_size) + ") but only " +
                std::to_string(blocks_.n_free()) + " of " + std::to_string(blocks_.n_blocks()) +
                " blocks are free (use a larger -c)");
  }
  Sequence& s = it == seqs_.end() ? seqs_[seq] : it->second;
  // Room for the whole pool up front: growing the table later would allocate during decode.
  if (it == seqs_.end()) s.blocks.reserve(static_cast<size_t>(blocks_.n_blocks()));
  for (int32_t i = 0; i < need; ++i) s.blocks.push_back(blocks_.allocate());
  s.n_tokens = std::max(s.n_tokens, n_tokens);
}

void KvCache::remove(int32_t seq) {
  const auto it = seqs_.find(seq);
  if (it == seqs_.end()) return;
  for (const int32_t b : it->second.blocks) blocks_.release(b);
  seqs_.erase(it);
}

void KvCache::truncate(int32_t seq, int32_t n_tokens) {
  MINKE_CHECK(n_tokens >= 0);
  const auto it = seqs_.find(seq);
  if (it == seqs_.end() || n_tokens >= it->second.n_tokens) return;
  Sequence& s = it->second;
  const auto keep = static_cast<size_t>(blocks_for(n_tokens));
  for (size_t i = keep; i < s.blocks.size(); ++i) blocks_.release(s.blocks[i]);
  s.blocks.resize(keep);
  s.n_tokens = n_tokens;
}

std::span<const int32_t> KvCache::block_table(int32_t seq) const {
  const auto it = seqs_.find(seq);
  if (it == seqs_.end()) return {};
  return it->second.blocks;
}

int32_t KvCache::n_tokens(int32_t seq) const {
  const auto it = seqs_.find(seq);
  return it == seqs_.end() ? 0 : it->second.n_tokens;
}

int32_t KvCache::slot(int32_t seq, int32_t position) const {
  const std::span<const int32_t> table = block_table(seq);
  MINKE_CHECK(position >= 0 && position < n_tokens(seq));
  return table[static_cast<size_t>(position / layout_.block_size)] * layout_.block_size +
         position % layout_.block_size;
}

const KvStore& KvCache::layer(int32_t il) const {
  MINKE_CHECK(il >= 0 && il < n_layer());
  return layers_[static_cast<size_t>(il)];
}

int64_t KvCache::bytes_per_token(int32_t n_layer, const KvLayout& layout) {
  // f16 (2 bytes): one latent row, or K and V of every KV head.
  if (layout.latent_dim > 0) return int64_t{n_layer} * layout.latent_dim * 2;
  return int64_t{n_layer} * 2 * layout.n_head_kv * layout.head_dim * 2;
}

}  // namespace minke
