// CandidateSet: the filters of the sampler chain and the final draw over a candidate list.
#include "sample/candidates.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"
#include "sample/token_filter.h"

namespace minke {

namespace {
constexpr float kInf = std::numeric_limits<float>::infinity();
// Below this many, a heap-based partial_sort (about one comparison per element for small k) beats
// nth_element followed by sorting the prefix.
constexpr size_t kPartialSortMax = 128;
// First prefix length top-p sorts when the set is unsorted; grows 8x until the mass is reached,
// so a peaked distribution over a 262k vocabulary never pays for a full sort.
constexpr size_t kTopPFirstChunk = 256;

// Logits are scanned in blocks of this many; a block whose maximum cannot matter is skipped.
constexpr size_t kBlock = 64;

// False exactly for NaN and -inf, the logits no step may pick.
bool usable(float l) { return l > -kInf; }

// Largest of p[0, n), ignoring NaN (-inf when there is nothing else). Eight independent running
// maxima let the compiler turn this into packed max instructions; `a < b ? b : a` keeps `a` when
// b is NaN.
float max_ignoring_nan(const float* p, size_t n) {
  float lane[8] = {-kInf, -kInf, -kInf, -kInf, -kInf, -kInf, -kInf, -kInf};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t j = 0; j < 8; ++j) lane[j] = lane[j] < p[i + j] ? p[i + j] : lane[j];
  }
  for (; i < n; ++i) lane[0] = lane[0] < p[i] ? p[i] : lane[0];
  float m = lane[0];
  for (size_t j = 1; j < 8; ++j) m = m < lane[j] ? lane[j] : m;
  return m;
}
}  // namespace

CandidateSet::CandidateSet(size_t capacity) : data_(capacity) {}

int32_t argmax_usable(std::span<const float> logits) {
  // Block maxima (vectorised) find the first block holding the maximum; only that block is then
  // scanned for its first occurrence, so ties still go to the lowest index.
  float best = -kInf;
  size_t best_block = logits.size();
  for (size_t b = 0; b < logits.size(); b += kBlock) {
    const float m = max_ignoring_nan(&logits[b], std::min(kBlock, logits.size() - b));
    if (m > best) {
      best = m;
      best_block = b;
    }
  }
  if (best_block == logits.size()) return -1;  // every logit is NaN or -inf
  for (size_t i = best_block;; ++i) {
    if (logits[i] == best) return static_cast<int32_t>(i);
  }
}

void CandidateSet::load(std::span<const float> logits) {
  MINKE_CHECK(logits.size() <= data_.size());
  size_t kept = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (usable(logits[i])) data_[kept++] = Candidate{static_cast<int32_t>(i), logits[i], 0.0f};
  }
  size_ = kept;
  sorted_ = false;
}

void CandidateSet::load_top_k(std::span<const float> logits, int32_t k) {
  if (k <= 0 || static_cast<size_t>(k) >= logits.size()) {
    load(logits);
    keep_top_k(k);
    return;
  }
  MINKE_CHECK(logits.size() <= data_.size());
  const auto want = static_cast<size_t>(k);
  const auto heap = data_.begin();
  // data_[0, n) is a heap ordered by ranks_before, so its front is the worst kept candidate.
  size_t n = 0;
  size_t i = 0;
  for (; i < logits.size() && n < want; ++i) {
    if (!usable(logits[i])) continue;
    data_[n++] = Candidate{static_cast<int32_t>(i), logits[i], 0.0f};
    std::push_heap(heap, heap + static_cast<ptrdiff_t>(n), ranks_before);
  }
  // Once the heap is full, a logit enters only if strictly greater than the front's (an equal
  // logit has a higher id, so it ranks after; NaN and -inf always fail). Insertions are rare
  // (about k ln(n/k) for random order), so whole blocks are usually dismissed by their maximum.
  while (i < logits.size()) {
    const size_t end = std::min(logits.size(), i + kBlock);
    if (!(max_ignoring_nan(&logits[i], end - i) > data_[0].logit)) {
      i = end;
      continue;
    }
    for (; i < end; ++i) {
      if (!(logits[i] > data_[0].logit)) continue;
      std::pop_heap(heap, heap + static_cast<ptrdiff_t>(n), ranks_before);
      data_[n - 1] = Candidate{static_cast<int32_t>(i), logits[i], 0.0f};
      std::push_heap(heap, heap + static_cast<ptrdiff_t>(n), ranks_before);
    }
  }
  std::sort_heap(heap, heap + static_cast<ptrdiff_t>(n), ranks_before);  // best first
  size_ = n;
  sorted_ = true;
}

void CandidateSet::sort_prefix(size_t n) {
  if (sorted_) return;
  const auto begin = data_.begin();
  const auto end = begin + static_cast<ptrdiff_t>(size_);
  if (n >= size_) {
    std::sort(begin, end, ranks_before);
    sorted_ = true;
  } else if (n <= kPartialSortMax) {
    std::partial_sort(begin, begin + static_cast<ptrdiff_t>(n), end, ranks_before);
  } else {
    std::nth_element(begin, begin + static_cast<ptrdiff_t>(n), end, ranks_before);
    std::sort(begin, begin + static_cast<ptrdiff_t>(n), ranks_before);
  }
}

void CandidateSet::keep_top_k(int32_t k) {
  if (k <= 0) return;
  // Sorts even when k >= size (as llama.cpp does), so that the result, and hence the draw order,
  // does not depend on how many candidates there were.
  const size_t n = std::min(size_, static_cast<size_t>(k));
  sort_prefix(n);
  size_ = n;
  sorted_ = true;
}

void CandidateSet::load_top_k_allowed(std::span<const float> logits,
                                      std::span<const uint64_t> allowed, int32_t k) {
  MINKE_CHECK(logits.size() <= data_.size());
  size_t kept = 0;
  for (size_t w = 0; w < allowed.size(); ++w) {
    for (uint64_t bits = allowed[w]; bits != 0; bits &= bits - 1) {
      const size_t i = w * 64 + static_cast<size_t>(__builtin_ctzll(bits));
      if (i >= logits.size()) break;
      if (usable(logits[i])) data_[kept++] = Candidate{static_cast<int32_t>(i), logits[i], 0.0f};
    }
  }
  size_ = kept;
  sorted_ = false;
  keep_top_k(k);  // as load_top_k: sorted when k > 0
}

size_t CandidateSet::keep_allowed(TokenFilter& filter, size_t limit) {
  MINKE_CHECK(sorted_);
  size_t kept = 0;
  for (size_t i = 0; i < size_ && kept < limit; ++i) {
    if (filter.allows(data_[i].id)) data_[kept++] = data_[i];
  }
  size_ = kept;
  return kept;
}

void CandidateSet::keep_top_p(float p, size_t min_keep) {
  if (p >= 1.0f || size_ == 0) return;
  softmax();
  // Probabilities travel with their candidates, so sorting a longer prefix later keeps the
  // already-summed prefix in place (the order is total) and the running sum stays valid.
  double cum = 0.0;
  size_t i = 0;
  size_t chunk = std::min(size_, kTopPFirstChunk);
  for (;;) {
    sort_prefix(chunk);
    for (; i < chunk; ++i) {
      cum += data_[i].p;
      if (cum >= p && i + 1 >= min_keep) {
        size_ = i + 1;
        sorted_ = true;
        return;
      }
    }
    if (chunk == size_) break;
    chunk = std::min(size_, chunk * 8);
  }
  // Rounding kept the total just under p: everything stays (and is now sorted).
}

float CandidateSet::max_logit() const {
  if (sorted_) return data_[0].logit;
  float m = -kInf;
  for (size_t i = 0; i < size_; ++i) m = std::max(m, data_[i].logit);
  return m;
}

void CandidateSet::keep_min_p(float p) {
  if (p <= 0.0f || size_ == 0) return;
  const float threshold = max_logit() + std::log(p);
  if (sorted_) {
    size_t n = 1;  // the best candidate is always kept
    while (n < size_ && data_[n].logit >= threshold) ++n;
    size_ = n;
    return;
  }
  size_t kept = 0;
  for (size_t i = 0; i < size_; ++i) {
    if (data_[i].logit >= threshold) data_[kept++] = data_[i];
  }
  size_ = kept;
}

void CandidateSet::scale_temperature(float t) {
  MINKE_CHECK(t > 0.0f);
  // Dividing by a positive number never moves a smaller logit above a larger one, so a sorted
  // set still starts with its maximum (all that later steps rely on) and sorted_ stays.
  for (size_t i = 0; i < size_; ++i) data_[i].logit /= t;
}

double CandidateSet::fill_weights() {
  const float max = max_logit();
  double sum = 0.0;
  if (max == kInf) {
    for (size_t i = 0; i < size_; ++i) {
      data_[i].p = data_[i].logit == kInf ? 1.0f : 0.0f;
      sum += data_[i].p;
    }
    return sum;
  }
  for (size_t i = 0; i < size_; ++i) {
    data_[i].p = std::exp(data_[i].logit - max);
    sum += data_[i].p;
  }
  return sum;
}

void CandidateSet::softmax() {
  if (size_ == 0) return;
  const double sum = fill_weights();  // >= 1: the max's weight is exp(0)
  for (size_t i = 0; i < size_; ++i) data_[i].p = static_cast<float>(data_[i].p / sum);
}

int32_t CandidateSet::argmax() const {
  MINKE_CHECK(size_ > 0);
  size_t best = 0;
  for (size_t i = 1; i < size_; ++i) {
    if (ranks_before(data_[i], data_[best])) best = i;
  }
  return data_[best].id;
}

int32_t CandidateSet::draw(double u) {
  MINKE_CHECK(size_ > 0);
  const double target = u * fill_weights();
  double cum = 0.0;
  size_t last_positive = 0;
  for (size_t i = 0; i < size_; ++i) {
    if (data_[i].p <= 0.0f) continue;  // underflowed weights are never picked
    cum += data_[i].p;
    last_positive = i;
    if (cum > target) return data_[i].id;
  }
  // u * total rounded up to the total: the last candidate with weight takes it.
  return data_[last_positive].id;
}

}  // namespace minke
