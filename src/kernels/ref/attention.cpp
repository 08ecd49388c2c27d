// Reference attention of one query head over a sequence's paged f16 K/V, in llama.cpp's
// (non-flash, f16 KV) arithmetic: q rounded to f16, scores f16(q)·k summed in f32, scaled,
// optional soft-cap, causal and sliding-window visibility, a softmax summed by sum_f64_lanes,
// probabilities rounded to f16, then the sum of p_j * V rows in f32, key order; the softmax sum
// chunk by chunk (kernel_table.h), so a split of the keys over threads gives the same bits; an
// attention sink, where the model has them, in the maximum and after the sums.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/check.h"
#include "core/fp16.h"
#include "kernels/ref/fp16_table.h"
#include "kernels/ref/ops.h"

namespace minke {
namespace {

// Largest head_dim the on-stack f16 copy of q holds (the hot path must not allocate).
constexpr int32_t kMaxHeadDim = 1024;

// f32 -> nearest f16 -> f32, through the table (what ggml's f32 -> f16 conversion yields).
inline float round_f16(const float* table, float x) { return fp16_lut(table, f32_to_fp16(x)); }

// One query row: its f16-rounded query, KV head and visible keys [first, last].
struct Row {
  std::array<float, kMaxHeadDim> q16;
  int32_t kv_head = 0, first = 0, last = 0;
  const float* sink = nullptr;  // the head's attention sink logit, if the model has sinks
};

Row make_row(const float* q, int32_t pos, int32_t head, const KvView& kv,
             const AttentionParams& p) {
  const KvLayout& l = kv.layout;
  MINKE_DCHECK(pos >= 0 && pos < kv.n_tokens);
  MINKE_DCHECK(p.n_head % l.n_head_kv == 0);
  MINKE_DCHECK(l.head_dim <= kMaxHeadDim);
  Row r;
  // llama.cpp multiplies the f16 K cache by q with ggml's f16 matmul, which first converts the
  // f32 activation row to f16: matching it removes most of the difference to its logits.
  const float* f16 = fp16_table();
  for (int32_t d = 0; d < l.head_dim; ++d) r.q16[static_cast<size_t>(d)] = round_f16(f16, q[d]);
  r.kv_head = head / (p.n_head / l.n_head_kv);
  r.first = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
  r.last = pos;
  if (p.sinks != nullptr) r.sink = p.sinks + head;
  return r;
}

// The row's visible keys inside chunk c (a > b: none).
struct Range {
  int32_t a, b;
};
Range chunk_keys(const Row& r, int32_t c) {
  return {std::max(r.first, c * kAttnChunkKeys), std::min(r.last, (c + 1) * kAttnChunkKeys - 1)};
}

// Scores of keys [a, b] into sc[a..b]; returns their maximum.
float scores(const Row& r, Range k, const KvView& kv, const AttentionParams& p, float* sc) {
  const KvLayout& l = kv.layout;
  const float scale = p.scale != 0.0f ? p.scale : 1.0f / std::sqrt(static_cast<float>(l.head_dim));
  const float* f16 = fp16_table();
  float max = -INFINITY;
  for (int32_t j = k.a; j <= k.b; ++j) {
    const uint16_t* kj = kv.k + kv_k_at(kv, j, r.kv_head, 0);  // element d at kj[d * block_size]
    float dot = 0.0f;
    for (int32_t d = 0; d < l.head_dim; ++d) {
      dot += r.q16[static_cast<size_t>(d)] * fp16_lut(f16, kj[int64_t{d} * l.block_size]);
    }
    float s = dot * scale;
    if (p.softcap > 0.0f) s = p.softcap * std::tanh(s / p.softcap);
    sc[j] = s;
    max = std::fmax(max, s);
  }
  return max;
}

// exp(s - max) in place over [a, b]; returns their sum_f64_lanes.
double exps(Range k, float max, float* sc) {
  for (int32_t j = k.a; j <= k.b; ++j) sc[j] = exp_f32(sc[j] - max);
  return sum_f64_lanes(sc + k.a, k.b - k.a + 1);
}

// sc[a..b] = f16(e_j * inv): the probabilities meet the f16 V cache in the same f16 matmul as
// K, so they are rounded to f16 as well.
void round_probs(Range k, float inv, float* sc) {
  const float* f16 = fp16_table();
  for (int32_t j = k.a; j <= k.b; ++j) sc[j] = round_f16(f16, sc[j] * inv);
}

// out[d0..d1) = the sum of p_j * V_j[d] over [a, b], in key order.
void values(const Row& r, Range k, const KvView& kv, const float* sc, int32_t d0, int32_t d1,
            float* out) {
  const float* f16 = fp16_table();
  std::fill(out + d0, out + d1, 0.0f);
  for (int32_t j = k.a; j <= k.b; ++j) {
    const uint16_t* v = kv.v + kv_v_row(kv, j, r.kv_head);
    for (int32_t d = d0; d < d1; ++d) out[d] += sc[j] * fp16_lut(f16, v[d]);
  }
}

// The softmax maximum: the keys' (their chunks' maxima in a split) and the sink's.
float with_sink(const Row& r, float max) { return r.sink ? std::fmax(max, *r.sink) : max; }
float row_max(const Row& r, const AttnChunkStats* stats) {
  float max = -INFINITY;
  for (int32_t c = attn_chunk_of(r.first); c <= attn_chunk_of(r.last); ++c) {
    max = std::fmax(max, stats[c].max);
  }
  return with_sink(r, max);
}

// The softmax sum: the chunks' sums added in chunk order, then the sink's exp(sink - max).
double add_sink(const Row& r, double sum, float max) {
  return r.sink ? sum + static_cast<double>(exp_f32(*r.sink - max)) : sum;
}
double row_sum(const Row& r, const AttnChunkStats* stats) {
  double sum = 0.0;
  for (int32_t c = attn_chunk_of(r.first); c <= attn_chunk_of(r.last); ++c) sum += stats[c].sum;
  return add_sink(r, sum, row_max(r, stats));
}

// One row of a split's phase (kernel_table.h, AttnPhase).
void row_phase(const Row& r, const AttnTile& t, int32_t row, const KvView& kv,
               const AttentionParams& p, float* sc, float* out) {
  const Range k = chunk_keys(r, t.chunk);
  AttnChunkStats* stats = t.stats + int64_t{row} * t.n_chunks;
  switch (t.phase) {
    case AttnPhase::kScores:
      stats[t.chunk].max = scores(r, k, kv, p, sc);
      break;
    case AttnPhase::kExp:
      stats[t.chunk].sum = exps(k, row_max(r, stats), sc);
      break;
    case AttnPhase::kProbs:
      round_probs(k, static_cast<float>(1.0 / row_sum(r, stats)), sc);
      break;
    default:
      values(r, {r.first, r.last}, kv, sc, t.dim0, t.dim1 > 0 ? t.dim1 : kv.layout.head_dim, out);
      break;
  }
}

}  // namespace

void attention_row_f16kv_f32(const float* q, int32_t pos, int32_t head, const KvView& kv,
                             const AttentionParams& p, float* scratch, float* out) {
  const Row r = make_row(q, pos, head, kv, p);
  const float max = with_sink(r, scores(r, {r.first, r.last}, kv, p, scratch));
  double sum = 0.0;
  for (int32_t c = attn_chunk_of(r.first); c <= attn_chunk_of(r.last); ++c) {
    sum += exps(chunk_keys(r, c), max, scratch);
  }
  round_probs({r.first, r.last}, static_cast<float>(1.0 / add_sink(r, sum, max)), scratch);
  values(r, {r.first, r.last}, kv, scratch, 0, kv.layout.head_dim, out);
}

void attention_f16kv_f32(const AttnTile& t, const KvView& kv, const AttentionParams& p) {
  const int32_t hd = kv.layout.head_dim;
  for (int32_t i = 0; i < t.n_tokens; ++i) {
    for (int32_t h = 0; h < t.n_heads; ++h) {
      const int32_t row = i * t.n_heads + h;
      const float* q = t.q + i * t.q_stride + int64_t{h} * hd;
      float* out = t.out + i * t.out_stride + int64_t{h} * hd;
      float* sc = t.scratch + int64_t{row} * kv.n_tokens;
      if (t.phase == AttnPhase::kWhole) {
        attention_row_f16kv_f32(q, t.pos[i], t.head + h, kv, p, sc, out);
      } else {
        row_phase(make_row(q, t.pos[i], t.head + h, kv, p), t, row, kv, p, sc, out);
      }
    }
  }
}

}  // namespace minke
