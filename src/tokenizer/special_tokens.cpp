// Special-token partition (see special_tokens.h). Each special token, in order, splits every
// remaining text fragment at all of its non-overlapping occurrences, left to right.
#include "tokenizer/special_tokens.h"

#include <algorithm>
#include <list>

namespace minke {

SpecialTokens::SpecialTokens(const Vocab& vocab) : vocab_(vocab) {
  for (int32_t id = 0; id < vocab.size(); ++id) {
    if (vocab.is_special(id) && !vocab.tokens[id].text.empty()) ordered_.push_back(id);
  }
  // llama.cpp's std::sort leaves equal lengths in unspecified order; only overlapping special
  // texts of equal length could tell the difference.
  std::stable_sort(ordered_.begin(), ordered_.end(), [&](int32_t a, int32_t b) {
    return vocab.tokens[a].text.size() > vocab.tokens[b].text.size();
  });
}

std::vector<Fragment> SpecialTokens::partition(std::string_view text, bool parse_special) const {
  std::list<Fragment> fragments;
  if (!text.empty()) fragments.push_back({kNoToken, 0, text.size()});
  for (const int32_t id : ordered_) {
    const TokenData& token = vocab_.tokens[id];
    if (!parse_special && token.has(kAttrControl | kAttrUnknown)) {
      continue;  // user-defined tokens are matched even without parse_special
    }
    const std::string_view needle = token.text;
    // Fragments are pieces of `text`: a token absent from it cannot split any of them.
    if (text.find(needle) == std::string_view::npos) continue;
    for (auto it = fragments.begin(); it != fragments.end(); ++it) {
      if (!it->is_text()) continue;
      size_t begin = it->offset;
      const size_t end = it->offset + it->length;
      bool split = false;
      while (true) {
        const size_t match = text.substr(0, end).find(needle, begin);
        if (match == std::string_view::npos) break;
        split = true;
        if (match > begin) fragments.insert(it, {kNoToken, begin, match - begin});
        fragments.insert(it, {id, match, needle.size()});
        begin = match + needle.size();
      }
      if (!split) continue;
      if (begin < end) {
        fragments.insert(it, {kNoToken, begin, end - begin});
      }
      it = fragments.erase(it);
      --it;
    }
  }
  return {fragments.begin(), fragments.end()};
}

}  // namespace minke
