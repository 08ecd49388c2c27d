// GrammarCache: compiled grammars by their GBNF text and start rule, so that the requests of
// a server that repeat a schema compile it once. Thread-safe; keeps the most recently used.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "grammar/grammar.h"

namespace minke {

class GrammarCache {
 public:
  explicit GrammarCache(size_t capacity = 64) : capacity_(capacity) {}
  // Compiles on a miss (throws as compile_gbnf does; failures are not cached).
  std::shared_ptr<const Grammar> get(const std::string& gbnf, const std::string& root);
  size_t hits() const;
  size_t misses() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const Grammar>>;  // key, grammar
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  size_t capacity_;
  size_t hits_ = 0, misses_ = 0;
};

}  // namespace minke
