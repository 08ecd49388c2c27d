// GrammarCache: see grammar_cache.h. A short list is searched linearly: compiling is what
// costs, not finding.
#include "grammar/grammar_cache.h"

namespace minke {

std::shared_ptr<const Grammar> GrammarCache::get(const std::string& gbnf, const std::string& root) {
  std::string key = root + '\n' + gbnf;
  {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != key) continue;
      entries_.splice(entries_.begin(), entries_, it);
      ++hits_;
      return entries_.front().second;
    }
    ++misses_;
  }
  std::shared_ptr<const Grammar> grammar = compile_gbnf(gbnf, root);  // outside the lock
  std::lock_guard lock(mutex_);
  entries_.emplace_front(std::move(key), grammar);
  if (entries_.size() > capacity_) entries_.pop_back();
  return grammar;
}

size_t GrammarCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

size_t GrammarCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace minke
