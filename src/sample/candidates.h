// CandidateSet: the tokens still in the running while the sampler chain narrows a distribution
// (top-k, top-p, min-p, temperature) and the final draw. Preallocated to the vocabulary size so
// that sampling never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace minke {

class TokenFilter;

struct Candidate {
  int32_t id;
  float logit;
  float p;  // probability or unnormalised weight, filled by softmax() / draw()
};

// The ranking used wherever candidates are ordered: higher logit first, ties to the lower id.
// A strict total order (NaN never reaches it), so a partial sort selects the same tokens in the
// same order with every standard library, which cross-platform reproducibility needs.
inline bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// The best-ranked usable logit's index (highest, ties to the lowest index; NaN and -inf never
// win), or -1 when no logit is usable.
int32_t argmax_usable(std::span<const float> logits);

class CandidateSet {
 public:
  explicit CandidateSet(size_t capacity);

  // Replaces the set with every usable logit in id order. NaN and -inf are left out: no step may
  // ever pick them. logits.size() must not exceed the capacity.
  void load(std::span<const float> logits);

  // Same result as load() then keep_top_k(k), in one pass over the logits with a k-entry heap
  // (about one comparison per logit when k is small), never touching the rest of the buffer.
  void load_top_k(std::span<const float> logits, int32_t k);

  // Keeps the k best-ranked candidates and leaves them sorted (k >= size: keeps all, sorted).
  // k <= 0: no-op.
  void keep_top_k(int32_t k);

  // Same result as load_top_k(row masked to the allowed ids, k), visiting only the allowed ids
  // (`allowed`: bit t of word t / 64).
  void load_top_k_allowed(std::span<const float> logits, std::span<const uint64_t> allowed,
                          int32_t k);

  // Keeps, in rank order, the first `limit` candidates the filter allows (the set must be
  // sorted); returns how many it kept.
  size_t keep_allowed(TokenFilter& filter, size_t limit);

  // Nucleus sampling (Holtzman et al. 2019): keeps the shortest best-ranked prefix whose
  // probability mass reaches p (inclusive: stops at the first candidate with cumsum >= p, as
  // llama.cpp does), and at least min_keep candidates. p >= 1: no-op.
  void keep_top_p(float p, size_t min_keep = 1);

  // Keeps candidates whose probability is at least p times the best one's, compared in logit
  // space (logit >= max_logit + log p). The best candidate always stays. p <= 0: no-op.
  void keep_min_p(float p);

  // Divides every logit by t (> 0): t < 1 sharpens the distribution, t > 1 flattens it.
  void scale_temperature(float t);

  // Fills p with the softmax of the logits (max subtracted first). An +inf logit takes all the
  // mass, shared equally with any other +inf.
  void softmax();

  // The best-ranked candidate's id (highest logit, ties to the lowest id). Set must be non-empty.
  int32_t argmax() const;

  // Draws one id from the softmax of the logits, using u in [0, 1): the first candidate, in the
  // current order, whose cumulative weight exceeds u * total. Set must be non-empty.
  int32_t draw(double u);

  size_t size() const { return size_; }
  bool sorted() const { return sorted_; }
  std::span<const Candidate> view() const { return {data_.data(), size_}; }

 private:
  float max_logit() const;
  // Stores exp(logit - max) in p and returns the sum, accumulated in double in the set's order.
  double fill_weights();
  // Ensures data_[0, n) holds the n best-ranked candidates in rank order.
  void sort_prefix(size_t n);

  std::vector<Candidate> data_;  // [capacity]; the first size_ are live
  size_t size_ = 0;
  bool sorted_ = false;  // whole live range is in rank order
};

}  // namespace minke
