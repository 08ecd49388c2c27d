// BlockPool: blocks and their prefix index (see block_pool.h).
#include "kv/block_pool.h"

#include "core/check.h"

namespace minke {

int32_t BlockPool::take() {
  if (blocks_.n_free() > 0) return blocks_.allocate();
  const int32_t b = index_.evict();
  MINKE_CHECK(b >= 0);
  blocks_.revive(b);
  return b;
}

void BlockPool::release(int32_t block) {
  if (!blocks_.drop(block)) return;
  if (index_.indexed(block)) {
    index_.park(block);
  } else {
    blocks_.free(block);
  }
}

void BlockPool::share(int32_t block) {
  if (index_.parked(block)) {
    index_.unpark(block);
    blocks_.revive(block);
  } else {
    blocks_.retain(block);
  }
}

}  // namespace minke
