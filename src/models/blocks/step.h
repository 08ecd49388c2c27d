// StepInputs: what every layer of one forward() needs from the Batch and the KV cache: the
// cache slot of each token, the attention runs (one AttnSeq per sequence in the batch) and the
// rows whose logits are wanted. Built once per step; the vectors keep their capacity.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "models/model.h"

namespace minke {

class KvCache;

struct StepInputs {
  std::span<const int32_t> positions;  // [M] the batch's positions
  std::vector<int32_t> slots;          // [M] cache slot of each token
  std::vector<AttnSeq> seqs;           // runs of consecutive tokens of one sequence
  // The same in the sliding-window layers' pool (empty when the cache has none).
  std::vector<int32_t> window_slots;
  std::vector<AttnSeq> window_seqs;
  std::vector<int32_t> wanted;  // batch rows whose logits are wanted

  // The slots and runs of the pool `store` lives in.
  std::span<const int32_t> slots_for(const KvStore& store) const {
    return store.layout.window > 0 ? window_slots : slots;
  }
  std::span<const AttnSeq> seqs_for(const KvStore& store) const {
    return store.layout.window > 0 ? window_seqs : seqs;
  }

  // Validates the batch against the vocabulary and the reserved cache (minke::Error: a token
  // id out of range, a position not reserved, a sequence split or out of order) and fills in
  // the fields. `model` names the model file in messages.
  void prepare(const Batch& batch, const KvCache& kv, int32_t n_vocab, const std::string& model);
};

}  // namespace minke
