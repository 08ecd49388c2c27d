// StopMatcher: see stop_matcher.h. Searches the held-back text plus the new piece for the
// earliest stop string; otherwise keeps the longest suffix that is a prefix of any stop string.
#include "engine/stop_matcher.h"

#include <algorithm>
#include <utility>

namespace minke {

StopMatcher::StopMatcher(std::vector<std::string> stops) {
  for (std::string& s : stops) {
    if (!s.empty()) stops_.push_back(std::move(s));
  }
}

StopMatcher::Result StopMatcher::push(std::string_view text) {
  pending_ += text;
  size_t first = std::string::npos;
  for (const std::string& s : stops_) first = std::min(first, pending_.find(s));
  if (first != std::string::npos) {
    out_.assign(pending_, 0, first);
    pending_.clear();
    return {out_, true};
  }
  size_t hold = 0;
  for (const std::string& s : stops_) {
    const size_t max = std::min(pending_.size(), s.size() - 1);
    for (size_t n = max; n > hold; --n) {
      if (std::string_view(pending_).substr(pending_.size() - n) ==
          std::string_view(s).substr(0, n)) {
        hold = n;
        break;
      }
    }
  }
  out_.assign(pending_, 0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return {out_, false};
}

std::string StopMatcher::flush() { return std::exchange(pending_, {}); }

}  // namespace minke
