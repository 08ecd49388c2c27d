// StepInputs::prepare: batch validation and the per-step attention bookkeeping (see step.h).
#include "models/blocks/step.h"

#include <algorithm>
#include <string>

#include "core/check.h"
#include "kv/kv_cache.h"
#include "minke/error.h"

namespace minke {
namespace {

// " (batch row i)", appended to every message; built only when a row is rejected.
std::string at_row(size_t i) { return " (batch row " + std::to_string(i) + ")"; }

}  // namespace

// Runs once per forward step over every row: no allocation here (the vectors keep their
// capacity from step to step) and messages are built only on the error path.
void StepInputs::prepare(const Batch& batch, const KvCache& kv, int32_t n_vocab,
                         const std::string& model) {
  const size_t m = batch.size();
  MINKE_CHECK(batch.positions.size() == m && batch.seq_ids.size() == m &&
              batch.want_logits.size() == m);
  positions = batch.positions;
  slots.clear();
  seqs.clear();
  window_slots.clear();
  window_seqs.clear();
  wanted.clear();
  for (size_t i = 0; i < m; ++i) {
    const int32_t tok = batch.tokens[i], pos = batch.positions[i], seq = batch.seq_ids[i];
    if (tok < 0 || tok >= n_vocab) {
      throw Error(model + ": token id " + std::to_string(tok) + " is outside the vocabulary of " +
                  std::to_string(n_vocab) + at_row(i));
    }
    if (pos < 0 || pos >= kv.n_tokens(seq)) {
      throw Error("KV cache: position " + std::to_string(pos) + " of sequence " +
                  std::to_string(seq) + " is not reserved" + at_row(i));
    }
    if (seqs.empty() || batch.seq_ids[i - 1] != seq) {
      for (const AttnSeq& s : seqs) {
        if (batch.seq_ids[static_cast<size_t>(s.row0)] == seq) {
          throw Error("batch: the tokens of sequence " + std::to_string(seq) +
                      " are not consecutive" + at_row(i));
        }
      }
      seqs.push_back({.row0 = static_cast<int64_t>(i),
                      .n_rows = 0,
                      .block_table = kv.block_table(seq),
                      .n_tokens = 0});
    } else if (pos <= batch.positions[i - 1]) {
      throw Error("batch: positions of sequence " + std::to_string(seq) + " are not increasing" +
                  at_row(i));
    }
    // Attention reads keys 0..pos of the sequence: this step's keys are stored before it runs.
    AttnSeq& run = seqs.back();
    ++run.n_rows;
    run.n_tokens = pos + 1;
    slots.push_back(kv.slot(seq, pos));
    if (kv.window() > 0) window_slots.push_back(kv.window_slot(seq, pos));
    if (batch.want_logits[i] != 0) wanted.push_back(static_cast<int32_t>(i));
  }
  if (kv.window() == 0) return;
  for (const AttnSeq& s : seqs) {
    AttnSeq w = s;
    w.block_table = kv.window_table(batch.seq_ids[static_cast<size_t>(s.row0)]);
    window_seqs.push_back(w);
  }
}

}  // namespace minke
