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

// Indexes `block` under `hash` unless either is indexed already.
void index_block(BlockPool& pool, int32_t block, const BlockHash& hash) {
  if (!pool.index().indexed(block) && pool.index().find(hash) < 0) pool.index().insert(hash, block);
}

}  // namespace

KvCache::KvCache(Backend& backend, const KvCacheOptions& options)
    : layout_(options.layout), pool_(pool_blocks(options)) {
  MINKE_CHECK(options.n_layer > 0);
  MINKE_CHECK(options.layer_layouts.empty() ||
              options.layer_layouts.size() == static_cast<size_t>(options.n_layer));
  const auto layer_layout = [&](int32_t il) {
    return options.layer_layouts.empty() ? layout_ : options.layer_layouts[static_cast<size_t>(il)];
  };
  for (int32_t il = 0; il < options.n_layer; ++il) {
    MINKE_CHECK(layer_layout(il).block_size == layout_.block_size);
    window_ = std::max(window_, layer_layout(il).window);
  }
  if (window_ > 0) {
    const int32_t n = options.n_window_blocks;
    wpool_ = std::make_unique<BlockPool>(n > 0 && n < pool_.n_blocks() ? n : pool_.n_blocks());
  }
  layers_.reserve(static_cast<size_t>(options.n_layer));
  for (int32_t il = 0; il < options.n_layer; ++il) {
    const KvLayout l = layer_layout(il);
    layers_.push_back(backend.alloc_kv(l.window > 0 ? wpool_->n_blocks() : pool_.n_blocks(), l));
  }
  if (options.state_floats > 0) {
    MINKE_CHECK(window_ == 0);  // no model has both; prefix matching would have to meet both
    states_ = std::make_unique<RecurrentStates>(backend, options.state_floats,
                                                std::max(1, options.n_state_seqs),
                                                options.n_state_snapshots);
  }
  if (states_ != nullptr || wpool_ != nullptr) {
    match_hashes_.reserve(static_cast<size_t>(pool_.n_blocks()) + 1);
  }
}

KvCache::Sequence& KvCache::create(int32_t seq) {
  Sequence& s = seqs_[seq];
  // Room for the whole pool up front: growing the table later would allocate during decode.
  s.blocks.reserve(static_cast<size_t>(pool_.n_blocks()));
  if (wpool_) s.window_blocks.reserve(static_cast<size_t>(pool_.n_blocks()));
  return s;
}

// Releases s's window blocks below `first`, oldest first: the pool reclaims them in that order.
void KvCache::release_window_below(Sequence& s, int32_t first) {
  first = std::min(first, static_cast<int32_t>(s.window_blocks.size()));
  for (int32_t i = s.window_first; i < first; ++i) {
    int32_t& b = s.window_blocks[static_cast<size_t>(i)];
    wpool_->release(b);
    b = kReleased;
  }
  s.window_first = std::max(s.window_first, first);
}

void KvCache::reserve(int32_t seq, int32_t n_tokens) {
  MINKE_CHECK(seq >= 0 && n_tokens >= 0);
  auto it = seqs_.find(seq);
  const int32_t have = it == seqs_.end() ? 0 : static_cast<int32_t>(it->second.blocks.size());
  const int32_t need = blocks_for(n_tokens) - have;
  if (wpool_ != nullptr && it != seqs_.end()) {
    // Blocks wholly older than what the coming step can see are no longer needed.
    Sequence& s = it->second;
    int32_t first = window_first_block(s.n_tokens);
    if (s.window_pin >= 0) first = std::min(first, s.window_pin);
    release_window_below(s, first);
  }
  const int32_t window_need =
      wpool_ == nullptr
          ? 0
          : blocks_for(n_tokens) -
                (it == seqs_.end() ? 0 : static_cast<int32_t>(it->second.window_blocks.size()));
  if (window_need > 0 && window_need > wpool_->n_available()) {
    throw Error("KV cache full: sequence " + std::to_string(seq) + " needs " +
                std::to_string(window_need) + " more sliding-window blocks but only " +
                std::to_string(wpool_->n_available()) + " of " +
                std::to_string(wpool_->n_blocks()) + " are free");
  }
  if (need > n_free_blocks()) {
    throw Error("KV cache full: sequence " + std::to_string(seq) + " needs " +
                std::to_string(n_tokens) + " tokens (" + std::to_string(need) + " more blocks of " +
                std::to_string(layout_.block_size) + ") but only " +
                std::to_string(n_free_blocks()) + " of " + std::to_string(pool_.n_blocks()) +
                " blocks are free (use a larger -c)");
  }
  if (states_ != nullptr) states_->create(seq);  // may throw: nothing has changed yet
  Sequence& s = it == seqs_.end() ? create(seq) : it->second;
  for (int32_t i = 0; i < need; ++i) s.blocks.push_back(pool_.take());
  for (int32_t i = 0; i < window_need; ++i) s.window_blocks.push_back(wpool_->take());
  s.n_tokens = std::max(s.n_tokens, n_tokens);
}

void KvCache::remove(int32_t seq) {
  const auto it = seqs_.find(seq);
  if (it == seqs_.end()) return;
  // Last block first: the least recently used end of the cache is evicted first, and a block
  // is useless once the blocks before it are gone.
  const std::vector<int32_t>& blocks = it->second.blocks;
  for (auto b = blocks.rbegin(); b != blocks.rend(); ++b) pool_.release(*b);
  // Window blocks oldest first: a later turn of the conversation resumes at the end, and needs
  // the newest ones most.
  for (const int32_t b : it->second.window_blocks) {
    if (b != kReleased) wpool_->release(b);
  }
  seqs_.erase(it);
  if (states_ != nullptr) states_->remove(seq);
}

void KvCache::truncate(int32_t seq, int32_t n_tokens) {
  MINKE_CHECK(n_tokens >= 0);
  const auto it = seqs_.find(seq);
  if (it == seqs_.end() || n_tokens >= it->second.n_tokens) return;
  Sequence& s = it->second;
  if (wpool_ != nullptr && window_first_block(n_tokens) < s.window_first) {
    throw Error("KV cache: sequence " + std::to_string(seq) + " cannot go back to " +
                std::to_string(n_tokens) +
                " tokens: its sliding-window layers no longer hold the tokens before them");
  }
  if (states_ != nullptr) states_->rewind(seq, n_tokens);
  const auto keep = static_cast<size_t>(blocks_for(n_tokens));
  for (size_t i = s.blocks.size(); i-- > keep;) pool_.release(s.blocks[i]);
  s.blocks.resize(keep);
  if (wpool_ != nullptr) {
    for (size_t i = s.window_blocks.size(); i-- > keep;) wpool_->release(s.window_blocks[i]);
    s.window_blocks.resize(keep);
  }
  s.n_tokens = n_tokens;
  // The block cut into will be written again: it must not be shared or found by content.
  const int32_t whole = n_tokens / layout_.block_size;
  if (static_cast<int32_t>(keep) > whole) {
    MINKE_CHECK(pool_.blocks().ref_count(s.blocks.back()) == 1);
    pool_.index().erase(s.blocks.back());
    if (wpool_ != nullptr) {
      MINKE_CHECK(wpool_->blocks().ref_count(s.window_blocks.back()) == 1);
      wpool_->index().erase(s.window_blocks.back());
    }
  }
  s.n_hashed = 0;  // the next commit walks the kept blocks again
  s.last_hash = {};
}

int32_t KvCache::match_prefix(int32_t seq, std::span<const int32_t> tokens, int32_t max_tokens) {
  MINKE_CHECK(seq >= 0 && !seqs_.contains(seq));
  // With recurrent state only a snapshot makes a prefix usable, and the sequence needs a slot.
  if (states_ != nullptr && (states_->n_snapshots() == 0 || states_->n_free() == 0)) return 0;
  const int32_t bs = layout_.block_size;
  const int32_t n_whole = std::min<int32_t>(max_tokens, static_cast<int32_t>(tokens.size())) / bs;
  query_tokens_ += std::max(0, max_tokens);
  BlockHash hash;
  int32_t n = 0;
  Sequence* s = nullptr;
  match_hashes_.clear();
  for (; n < n_whole; ++n) {
    const BlockHash next = PrefixIndex::chain(hash, tokens.subspan(size_t(n) * bs, size_t(bs)));
    const int32_t b = pool_.index().find(next);
    if (b < 0) break;
    match_hashes_.push_back(next);
    pool_.share(b);
    if (s == nullptr) s = &create(seq);
    s->blocks.push_back(b);
    hash = next;
  }
  if (s == nullptr) return 0;
  if (states_ != nullptr) n = resume_state(seq, *s, n);
  if (wpool_ != nullptr) n = resume_window(*s, n);
  if (n == 0) {
    seqs_.erase(seq);
    return 0;
  }
  hash = match_hashes_[static_cast<size_t>(n) - 1];
  s->n_tokens = n * bs;
  s->n_hashed = n;
  s->last_hash = hash;
  hit_tokens_ += s->n_tokens;
  return s->n_tokens;
}

void KvCache::commit(int32_t seq, std::span<const int32_t> tokens, int32_t n_computed) {
  const auto it = seqs_.find(seq);
  if (it == seqs_.end()) return;
  Sequence& s = it->second;
  const int32_t bs = layout_.block_size;
  const int32_t n_whole =
      std::min<int32_t>({n_computed, static_cast<int32_t>(tokens.size()), s.n_tokens}) / bs;
  for (; s.n_hashed < n_whole; ++s.n_hashed) {
    s.last_hash = PrefixIndex::chain(
        s.last_hash, tokens.subspan(static_cast<size_t>(s.n_hashed) * bs, static_cast<size_t>(bs)));
    const auto i = static_cast<size_t>(s.n_hashed);
    // Another block may hold the same tokens already (two requests with one prompt computed
    // side by side): this one stays unindexed and is freed with its sequence.
    index_block(pool_, s.blocks[i], s.last_hash);
    if (wpool_ != nullptr && s.window_blocks[i] != kReleased) {
      index_block(*wpool_, s.window_blocks[i], s.last_hash);
    }
  }
  if (states_ == nullptr || n_computed == 0 || n_computed % bs != 0 ||
      s.n_hashed * bs != n_computed) {
    return;
  }
  const RecurrentStates::State* st = states_->find(seq);
  if (st != nullptr && st->n_tokens == n_computed) {
    // A decode step consumes one token: that sequence keeps one decode snapshot, its latest.
    states_->snapshot(seq, s.last_hash,
                      /*decoding=*/n_computed >= static_cast<int32_t>(tokens.size()));
  }
}

// The matched blocks [0, n) of seq: keeps those up to the deepest boundary with a state
// snapshot, which seq's state becomes, and releases the rest. Returns the blocks kept (0: seq
// is gone again).
int32_t KvCache::resume_state(int32_t seq, Sequence& s, int32_t n) {
  int32_t keep = n;
  while (keep > 0 && !states_->has_snapshot(match_hashes_[static_cast<size_t>(keep) - 1])) --keep;
  for (int32_t i = n; i-- > keep;) pool_.release(s.blocks[static_cast<size_t>(i)]);
  s.blocks.resize(static_cast<size_t>(keep));
  if (keep == 0) return 0;
  states_->create(seq);
  states_->restore(seq, match_hashes_[static_cast<size_t>(keep) - 1], keep * layout_.block_size);
  return keep;
}

// The matched blocks [0, n) of s: keeps those up to the deepest boundary before which the
// window pool still caches every block a step starting there reads, shares those window blocks
// and releases the rest of the match. Returns the blocks kept.
int32_t KvCache::resume_window(Sequence& s, int32_t n) {
  const PrefixIndex& index = wpool_->index();
  const auto cached = [&](int32_t keep) {
    for (int32_t i = window_first_block(keep * layout_.block_size); i < keep; ++i) {
      if (index.find(match_hashes_[static_cast<size_t>(i)]) < 0) return false;
    }
    return true;
  };
  int32_t keep = n;
  while (keep > 0 && !cached(keep)) --keep;
  for (int32_t i = n; i-- > keep;) pool_.release(s.blocks[static_cast<size_t>(i)]);
  s.blocks.resize(static_cast<size_t>(keep));
  s.window_first = window_first_block(keep * layout_.block_size);
  s.window_blocks.assign(static_cast<size_t>(keep), kReleased);
  for (int32_t i = s.window_first; i < keep; ++i) {
    const int32_t b = index.find(match_hashes_[static_cast<size_t>(i)]);
    wpool_->share(b);
    s.window_blocks[static_cast<size_t>(i)] = b;
  }
  return keep;
}

void KvCache::save_state(int32_t seq) {
  if (states_ != nullptr) states_->save(seq);
  const auto it = seqs_.find(seq);
  if (wpool_ != nullptr && it != seqs_.end()) {
    it->second.window_pin = window_first_block(it->second.n_tokens);
  }
}

std::span<const int32_t> KvCache::block_table(int32_t seq) const {
  const auto it = seqs_.find(seq);
  if (it == seqs_.end()) return {};
  return it->second.blocks;
}

std::span<const int32_t> KvCache::window_table(int32_t seq) const {
  const auto it = seqs_.find(seq);
  if (it == seqs_.end()) return {};
  return it->second.window_blocks;
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

int32_t KvCache::window_slot(int32_t seq, int32_t position) const {
  const std::span<const int32_t> table = window_table(seq);
  MINKE_CHECK(position >= 0 && position < n_tokens(seq));
  const int32_t b = table[static_cast<size_t>(position / layout_.block_size)];
  MINKE_CHECK(b != kReleased);
  return b * layout_.block_size + position % layout_.block_size;
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
