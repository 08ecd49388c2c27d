// Repetition, frequency and presence penalties as llama.cpp's penalties sampler defines them, and
// PenaltyWindow, the ring buffer of the last N accepted tokens those penalties look at.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace minke {

// The penalised logit of a token seen `count` (> 0) times in the window. The repetition penalty
// divides positive logits and multiplies the others (CTRL, arXiv:1909.05858, with the usual fix
// so that negative logits also lose probability); then the OpenAI-style frequency and presence
// terms are subtracted together, in the same float expression llama.cpp uses so that values
// match it bit for bit.
inline float penalize_logit(float logit, int32_t count, float repeat, float frequency,
                            float presence) {
  logit = logit <= 0.0f ? logit * repeat : logit / repeat;
  return logit - (static_cast<float>(count) * frequency + static_cast<float>(count > 0) * presence);
}

class PenaltyWindow {
 public:
  // capacity 0 makes a window that never holds anything (penalties disabled).
  explicit PenaltyWindow(int32_t capacity);

  // Appends a token, evicting the oldest once the window is full.
  void push(int32_t token);
  void clear();

  int32_t size() const { return size_; }
  int32_t capacity() const { return static_cast<int32_t>(ring_.size()); }

  // Calls fn(token, count) once per distinct token in the window, in increasing token order.
  // Sorts a copy of the window in a buffer allocated at construction: O(N log N) in the window
  // size, independent of the vocabulary, and no allocation.
  template <class Fn>
  void for_each_count(Fn&& fn) {
    const auto n = static_cast<size_t>(size_);
    std::copy_n(ring_.begin(), n, scratch_.begin());
    std::sort(scratch_.begin(), scratch_.begin() + n);
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      while (j < n && scratch_[j] == scratch_[i]) ++j;
      fn(scratch_[i], static_cast<int32_t>(j - i));
      i = j;
    }
  }

 private:
  std::vector<int32_t> ring_;     // [capacity]; the first size_ entries are valid
  std::vector<int32_t> scratch_;  // [capacity]; sorted copy for for_each_count
  int32_t head_ = 0;              // where the next token goes
  int32_t size_ = 0;
};

}  // namespace minke
