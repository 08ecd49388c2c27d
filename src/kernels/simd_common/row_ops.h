// The SIMD row kernels, written once against an ISA description (see interleaved_matmul.h):
// activation quantizers (Q8_0S, Q8_1S, Q8_K), the f16 KV store conversion and decode attention
// over the paged f16 cache. Like the matmuls they compute exactly what kernels/ref/ computes:
// maxima are order-free, every product that meets f16 data is exact in f32 (so FMA rounds
// once, as the reference's separate add does), sums keep the reference's order, and exp and
// the softmax sum are the reference's own operations on lanes.
//
// Extra Isa members used here: loadf, storef, absf, maxf, hmax, cvt_rne, store_i8, hsum32,
// fmadd, load_f16p, store_f16p, f32_to_f16, f16_to_f32, min32, max32, minf, divf, roundf, cvtt,
// exp_poly, sum_f64_lanes, f16_bits, gather, sel_lt, sel_gt, sel_le, sel_ge, sel_nan, fold16. Only
// C functions and builtins from the standard library: an inline std:: template instantiated in an
// ISA file could be the copy the linker keeps for baseline code.
#pragma once

#include <math.h>  // expf, tanhf, ...: C functions, never inline copies compiled for an ISA

#include <cstdint>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/ref/fp16_table.h"
#include "kernels/ref/ops.h"
#include "kernels/simd_common/packed_formats.h"
#include "quant/blocks_k.h"
#include "quant/blocks_legacy.h"

namespace minke::simd {

template <class Isa>
struct RowOps {
  using VI = typename Isa::VI;
  using VF = typename Isa::VF;
  static constexpr int R = Isa::R;
  static constexpr int32_t kMaxHeadDim = 1024;

  // One 32-element block as quantize_act_q8_0 does it: q = nearest-even(x * 127 / amax).
  // Returns d = amax / 127 and adds sum(q) to *sum.
  static float q8_block32(const float* x, int8_t* q, int* sum) {
    constexpr int kV = 32 / R;
    VF xv[kV];
    VF am = Isa::zerof();
    for (int i = 0; i < kV; ++i) {
      xv[i] = Isa::loadf(x + i * R);
      am = Isa::maxf(am, Isa::absf(xv[i]));
    }
    const float amax = Isa::hmax(am);
    const float d = amax / 127.0f;
    const VF id = Isa::set1f(amax != 0.0f ? 127.0f / amax : 0.0f);
    VI s = Isa::zero();
    for (int i = 0; i < kV; ++i) {
      const VI qi = Isa::cvt_rne(Isa::mul(xv[i], id));
      Isa::store_i8(q + i * R, qi);
      s = Isa::add32(s, qi);
    }
    *sum += Isa::hsum32(s);
    return d;
  }

  // For weights stored with an offset of kOffset (see BlockQ8_0S).
  template <int kOffset>
  static void quantize_q8_0s(const float* x, void* out, int64_t k) {
    auto* b = static_cast<BlockQ8_0S*>(out);
    for (int64_t i = 0; i < k / 32; ++i, ++b, x += 32) {
      int sum = 0;
      b->d = Isa::f16_to_f32(Isa::f32_to_f16(q8_block32(x, b->qs, &sum)));
      b->off = -kOffset * sum;
    }
  }

  static void quantize_q8_1s(const float* x, void* out, int64_t k) {
    auto* b = static_cast<BlockQ8_1S*>(out);
    for (int64_t i = 0; i < k / 32; ++i, ++b, x += 32) {
      int sum = 0;
      const float d = q8_block32(x, b->qs, &sum);
      b->d = Isa::f16_to_f32(Isa::f32_to_f16(d));
      b->s = Isa::f16_to_f32(Isa::f32_to_f16(d * static_cast<float>(sum)));
    }
  }

  // quantize_row_q8_k: the first element of largest magnitude maps to -127.
  static void quantize_q8_k(const float* x, void* out, int64_t k) {
    auto* b = static_cast<BlockQ8_K*>(out);
    for (int64_t i = 0; i < k / kQK_K; ++i, ++b, x += kQK_K) {
      VF am = Isa::zerof();
      for (int e = 0; e < kQK_K; e += R) am = Isa::maxf(am, Isa::absf(Isa::loadf(x + e)));
      const float amax = Isa::hmax(am);
      if (amax == 0.0f) {
        b->d = 0.0f;
        std::memset(b->qs, 0, sizeof(b->qs));
        std::memset(b->bsums, 0, sizeof(b->bsums));
        continue;
      }
      int first = 0;
      while (fabsf(x[first]) != amax) ++first;
      const float iscale = -127.0f / x[first];
      const VF is = Isa::set1f(iscale);
      const VI lo = Isa::set1_i32(-128), hi = Isa::set1_i32(127);
      for (int g = 0; g < kQK_K / 16; ++g) {
        VI s = Isa::zero();
        for (int e = 16 * g; e < 16 * g + 16; e += R) {
          VI qi = Isa::cvt_rne(Isa::mul(is, Isa::loadf(x + e)));
          qi = Isa::min32(Isa::max32(qi, lo), hi);
          Isa::store_i8(b->qs + e, qi);
          s = Isa::add32(s, qi);
        }
        b->bsums[g] = static_cast<int16_t>(Isa::hsum32(s));
      }
      b->d = 1.0f / iscale;
    }
  }

  static void quantize_q8_ks(const float* x, void* out, int64_t k) {
    auto* b = static_cast<BlockQ8_KS*>(out);
    for (int64_t i = 0; i < k / kQK_K; ++i, ++b, x += kQK_K) {
      quantize_q8_k(x, &b->q, kQK_K);
      for (int j = 0; j < 8; ++j) {
        const int s = b->q.bsums[2 * j] + b->q.bsums[2 * j + 1];  // |s| <= 32 * 128
        b->sum_hi[j] = static_cast<int8_t>(s >> 6);               // floor(s / 64)
        b->sum_lo[j] = static_cast<int8_t>(s & 63);
      }
    }
  }

  static void f32_to_f16_row(const float* x, uint16_t* y, int64_t n) {
    int64_t i = 0;
    for (; i + R <= n; i += R) Isa::store_f16p(y + i, Isa::loadf(x + i));
    for (; i < n; ++i) y[i] = Isa::f32_to_f16(x[i]);
  }

  // exp_f32 (kernels/ref/ops.cpp) on R lanes: the same double operations in the same order
  // (Isa::exp_poly), then the same masks for the ends of the range.
  static VF exp(VF x) {
    const VF lo = Isa::set1f(kExpLo), hi = Isa::set1f(kExpHi);
    VF res = Isa::exp_poly(Isa::minf(Isa::maxf(x, lo), hi));
    res = Isa::sel_lt(x, lo, Isa::zerof(), res);
    res = Isa::sel_gt(x, hi, Isa::set1f(INFINITY), res);
    return Isa::sel_nan(x, x, res);
  }

  static void silu_mul(const float* a, const float* b, float* y, int64_t n) {
    int64_t i = 0;
    const VF one = Isa::set1f(1.0f), sign = Isa::set1f(-0.0f);
    for (; i + R <= n; i += R) {
      const VF av = Isa::loadf(a + i);
      const VF silu = Isa::divf(av, Isa::add(one, exp(Isa::xorf(av, sign))));
      Isa::storef(y + i, Isa::mul(silu, Isa::loadf(b + i)));
    }
    if (i < n) silu_mul_f32(a + i, b + i, y + i, n - i);
  }

  static void sigmoid_mul(const float* a, const float* b, float* y, int64_t n) {
    int64_t i = 0;
    const VF one = Isa::set1f(1.0f), sign = Isa::set1f(-0.0f);
    for (; i + R <= n; i += R) {
      const VF av = Isa::loadf(a + i);
      const VF sig = Isa::divf(one, Isa::add(one, exp(Isa::xorf(av, sign))));
      Isa::storef(y + i, Isa::sel_nan(av, av, Isa::mul(sig, Isa::loadf(b + i))));
    }
    if (i < n) sigmoid_mul_f32(a + i, b + i, y + i, n - i);
  }

  // delta_rule_f32 on R lanes: the same 16-lane sums folded alike (Isa::fold16), each product
  // rounded before it is added (no FMA), the gates from the one compiled delta_gates.
  static void delta_rule(const DeltaRuleArgs& a) {
    constexpr int kV = kMlaLanes / R;
    const int32_t dk = a.d_k;
    for (int64_t t = 0; t < a.n_rows; ++t) {
      const float* q = a.q + t * a.qk_stride;
      const float* k = a.k + t * a.qk_stride;
      const float* v = a.v + t * a.v_stride;
      float* out = a.out + t * a.out_stride;
      const DeltaGates g = delta_gates(a, t);
      const VF decay = Isa::set1f(g.decay);
      for (int32_t j = 0; j < a.d_v; ++j) {
        float* s = a.state + int64_t{j} * dk;  // row j: value dim j over the key dims
        VF acc[kV];
        for (VF& x : acc) x = Isa::zerof();
        for (int32_t i = 0; i < dk; i += kMlaLanes) {
          for (int r = 0; r < kV; ++r) {
            const VF sv = Isa::mul(Isa::loadf(s + i + r * R), decay);
            Isa::storef(s + i + r * R, sv);
            acc[r] = Isa::add(acc[r], Isa::mul(sv, Isa::loadf(k + i + r * R)));
          }
        }
        const VF d = Isa::set1f((v[j] - Isa::fold16(acc)) * g.beta);
        for (VF& x : acc) x = Isa::zerof();
        for (int32_t i = 0; i < dk; i += kMlaLanes) {
          for (int r = 0; r < kV; ++r) {
            const VF sv =
                Isa::add(Isa::loadf(s + i + r * R), Isa::mul(Isa::loadf(k + i + r * R), d));
            Isa::storef(s + i + r * R, sv);
            acc[r] = Isa::add(acc[r], Isa::mul(sv, Isa::loadf(q + i + r * R)));
          }
        }
        out[j] = Isa::fold16(acc) * a.scale;
      }
    }
  }

  // clamped_silu_mul_f32's operations lane by lane; Isa::minf/maxf differ on NaN between ISAs,
  // so a NaN input is put back after the clamps.
  static void clamped_silu_mul(const float* a, const float* b, float alpha, float limit, float* y,
                               int64_t n) {
    int64_t i = 0;
    const VF one = Isa::set1f(1.0f), sign = Isa::set1f(-0.0f), al = Isa::set1f(alpha);
    const VF hi = Isa::set1f(limit), lo = Isa::set1f(-limit);
    for (; i + R <= n; i += R) {
      const VF av = Isa::loadf(a + i), bv = Isa::loadf(b + i);
      const VF g = Isa::sel_nan(av, av, Isa::minf(av, hi));
      const VF u = Isa::sel_nan(bv, bv, Isa::minf(Isa::maxf(bv, lo), hi));
      const VF glu = Isa::divf(g, Isa::add(one, exp(Isa::mul(al, Isa::xorf(g, sign)))));
      Isa::storef(y + i, Isa::mul(glu, Isa::add(u, one)));
    }
    if (i < n) clamped_silu_mul_f32(a + i, b + i, alpha, limit, y + i, n - i);
  }

  static void gelu_mul(const float* a, const float* b, float* y, int64_t n) {
    const float* table = gelu_f16_table();
    const VF lo = Isa::set1f(-10.0f), hi = Isa::set1f(10.0f);
    int64_t i = 0;
    for (; i + R <= n; i += R) {
      const VF av = Isa::loadf(a + i);
      VF g = Isa::gather(table, Isa::f16_bits(av));
      g = Isa::sel_le(av, lo, Isa::zerof(), g);
      g = Isa::sel_ge(av, hi, av, g);
      Isa::storef(y + i, Isa::mul(g, Isa::loadf(b + i)));
    }
    if (i < n) gelu_mul_f32(a + i, b + i, y + i, n - i);
  }

  // exp(x[i] - max) for i in [0, n), in place.
  static void exp_shifted(float* x, int64_t n, float max) {
    const VF m = Isa::set1f(max);
    int64_t i = 0;
    for (; i + R <= n; i += R) Isa::storef(x + i, exp(Isa::sub(Isa::loadf(x + i), m)));
    for (; i < n; ++i) x[i] = exp_f32(x[i] - max);
  }

  static void softmax(const float* x, float* y, int64_t n) {
    float max = -INFINITY;
    for (int64_t i = 0; i < n; ++i) max = fmaxf(max, x[i]);
    if (y != x) std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
    exp_shifted(y, n, max);
    const float inv = static_cast<float>(1.0 / Isa::sum_f64_lanes(y, n));
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }

  // f32 -> nearest f16 -> f32 for n values (n a multiple of R).
  static void round_f16(const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; i += R) {
      alignas(64) uint16_t h[R];
      Isa::store_f16p(h, Isa::loadf(x + i));
      Isa::storef(y + i, Isa::load_f16p(h));
    }
  }

  // A block's K or V tile of one KV head is a few KiB, and the next one lies n_head_kv tiles
  // further on (or anywhere, through the block table): a new 4 KiB page the hardware prefetchers
  // do not follow. Decode attention over a long context reads each tile once, at DRAM speed, so
  // the tiles this many blocks ahead are requested early. A hint: results do not change.
  static constexpr int32_t kAttnPrefetchBlocks = 4;
  // The K tile (head_dim x block_size, dimension-major) and V tile (block_size x head_dim) of
  // one KV head in one block: kv_k_index / kv_v_index of element (0, 0), written out here because
  // an ISA file calls no shared inline code (see isa_registry.h).
  static const uint16_t* k_tile(const KvView& kv, int64_t block, int32_t kv_head) {
    const KvLayout& l = kv.layout;
    return kv.k + (block * l.n_head_kv + kv_head) * l.head_dim * l.block_size;
  }
  static const uint16_t* v_tile(const KvView& kv, int64_t block, int32_t kv_head) {
    const KvLayout& l = kv.layout;
    return kv.v + (block * l.n_head_kv + kv_head) * l.block_size * l.head_dim;
  }
  static void prefetch_bytes(const void* p, size_t n) {
    const auto* c = static_cast<const char*>(p);
    for (size_t o = 0; o < n; o += 64) __builtin_prefetch(c + o, 0, 2);  // to L2
  }

  // attention_f16kv_f32 for a tile (AttnTile), in pieces of up to kAttnRows query rows (tokens
  // times heads, token-major). The scores of R keys are in lanes (K is dimension-major in its
  // block) and each K vector loaded serves every row of the piece; the V sum runs over R
  // dimensions in lanes, each V vector serving up to 4 rows. Per row, every score, the softmax
  // and the V sum over its own keys in key order are exactly the reference's.
  static constexpr int kAttnRows = R == 16 ? 8 : 4;
  static void attention(const AttnTile& t, const KvView& kv, const AttentionParams& p) {
    const KvLayout& l = kv.layout;
    if (l.block_size % R != 0 || l.head_dim % R != 0 || l.head_dim > kMaxHeadDim ||
        p.n_head % l.n_head_kv != 0) {
      attention_f16kv_f32(t, kv, p);
      return;
    }
    const int32_t n_rows = t.n_tokens * t.n_heads;
    for (int32_t i = 0; i < n_rows; i += kAttnRows) {
      const Attn a{t, i, t.head / (p.n_head / l.n_head_kv), kv, p};
      attn_tile_upto<kAttnRows>(n_rows - i < kAttnRows ? n_rows - i : kAttnRows, a);
    }
  }

  // One piece: rows row0 .. of a tile, all of KV head kv_head.
  struct Attn {
    const AttnTile& t;
    int32_t row0;
    int32_t kv_head;
    const KvView& kv;
    const AttentionParams& p;
    int32_t token(int i) const { return (row0 + i) / t.n_heads; }
    int32_t head(int i) const { return (row0 + i) % t.n_heads; }
    const float* q(int i) const {
      return t.q + token(i) * t.q_stride + int64_t{head(i)} * kv.layout.head_dim;
    }
    float* out(int i) const {
      return t.out + token(i) * t.out_stride + int64_t{head(i)} * kv.layout.head_dim;
    }
    int32_t pos(int i) const { return t.pos[token(i)]; }
    float* scratch(int i) const { return t.scratch + int64_t{row0 + i} * kv.n_tokens; }
    AttnChunkStats* stats(int i) const { return t.stats + int64_t{row0 + i} * t.n_chunks; }
    const float* sink(int i) const { return p.sinks ? p.sinks + t.head + head(i) : nullptr; }
  };

  template <int N>
  static void attn_tile_upto(int32_t n, const Attn& a) {
    if constexpr (N > 0) {
      if (n == N) {
        attn_tile<N>(a);
      } else {
        attn_tile_upto<N - 1>(n, a);
      }
    }
  }

  // The visible keys [first, last] of NR rows, their score rows and running maxima.
  template <int NR>
  struct AttnRows {
    alignas(64) float q16[NR][kMaxHeadDim];
    int32_t first[NR], last[NR];
    float* sc[NR];
    VF max[NR];
    float max_capped[NR];            // the soft-capped scores' maximum (scalar path)
    int32_t chunk0[NR], chunk1[NR];  // the row's visible chunks
    int32_t lo, hi;                  // union of the ranges
  };

  template <int NR>
  static void attn_tile(const Attn& a) {
    const KvLayout& l = a.kv.layout;
    const AttnTile& tile = a.t;
    const bool split = tile.phase != AttnPhase::kWhole;
    const bool by_chunk = split && tile.phase != AttnPhase::kValues;
    AttnRows<NR> t;
    t.lo = 0x7fffffff;
    t.hi = -1;
    for (int i = 0; i < NR; ++i) {
      round_f16(a.q(i), t.q16[i], l.head_dim);
      const int32_t pos = a.pos(i);
      t.last[i] = pos;
      t.first[i] = a.p.window > 0 && pos - a.p.window + 1 > 0 ? pos - a.p.window + 1 : 0;
      t.chunk0[i] = attn_chunk_of(t.first[i]);
      t.chunk1[i] = attn_chunk_of(pos);
      if (by_chunk) {  // one chunk's keys (a decode tile: every row at one position)
        const int32_t c0 = tile.chunk * kAttnChunkKeys;
        t.first[i] = t.first[i] > c0 ? t.first[i] : c0;
        t.last[i] = t.last[i] < c0 + kAttnChunkKeys - 1 ? t.last[i] : c0 + kAttnChunkKeys - 1;
      }
      t.sc[i] = a.scratch(i);
      t.max[i] = Isa::set1f(-INFINITY);
      t.max_capped[i] = -INFINITY;
      t.lo = t.first[i] < t.lo ? t.first[i] : t.lo;
      t.hi = t.last[i] > t.hi ? t.last[i] : t.hi;
    }
    if (split) {
      attn_phase<NR>(a, t);
      return;
    }
    attn_scores<NR>(a, t);
    for (int i = 0; i < NR; ++i) {
      const float* sink = a.sink(i);
      const float max = with_sink(sink, fmaxf(Isa::hmax(t.max[i]), t.max_capped[i]));
      double sum = 0.0;
      for (int32_t c = t.chunk0[i]; c <= t.chunk1[i]; ++c) {
        sum += attn_exp_sum(t.sc[i], chunk_first(t, i, c), chunk_last(t, i, c), max);
      }
      attn_round_probs(t.sc[i], t.first[i], t.last[i],
                       static_cast<float>(1.0 / add_sink(sink, sum, max)));
    }
    attn_value_rows<NR>(a, t);
  }

  // Row i's visible keys inside chunk c.
  template <int NR>
  static int32_t chunk_first(const AttnRows<NR>& t, int i, int32_t c) {
    return t.first[i] > c * kAttnChunkKeys ? t.first[i] : c * kAttnChunkKeys;
  }
  template <int NR>
  static int32_t chunk_last(const AttnRows<NR>& t, int i, int32_t c) {
    const int32_t end = (c + 1) * kAttnChunkKeys - 1;
    return t.last[i] < end ? t.last[i] : end;
  }

  // A phase of a split (kernel_table.h, AttnPhase): the rows' ranges are the chunk's keys but
  // for kValues; the stats of row i are at stats + (row0 + i) * n_chunks.
  template <int NR>
  static void attn_phase(const Attn& a, AttnRows<NR>& t) {
    const AttnTile& tile = a.t;
    if (tile.phase == AttnPhase::kScores) {
      attn_scores<NR>(a, t);
      for (int i = 0; i < NR; ++i) {
        a.stats(i)[tile.chunk].max = fmaxf(Isa::hmax(t.max[i]), t.max_capped[i]);
      }
      return;
    }
    if (tile.phase == AttnPhase::kExp) {
      for (int i = 0; i < NR; ++i) {
        const float max = phase_max(a, t, i);
        a.stats(i)[tile.chunk].sum = attn_exp_sum(t.sc[i], t.first[i], t.last[i], max);
      }
      return;
    }
    if (tile.phase == AttnPhase::kProbs) {
      for (int i = 0; i < NR; ++i) {
        const AttnChunkStats* st = a.stats(i);
        double sum = 0.0;
        for (int32_t c = t.chunk0[i]; c <= t.chunk1[i]; ++c) sum += st[c].sum;
        sum = add_sink(a.sink(i), sum, phase_max(a, t, i));
        attn_round_probs(t.sc[i], t.first[i], t.last[i], static_cast<float>(1.0 / sum));
      }
      return;
    }
    attn_value_rows<NR>(a, t);  // kValues: every key, the tile's dimensions
  }

  template <int NR>
  static void attn_value_rows(const Attn& a, const AttnRows<NR>& t) {
    if constexpr (NR <= 4) {
      attn_values<NR>(a, t, 0);
    } else {
      attn_values<4>(a, t, 0);
      attn_values<NR - 4>(a, t, 4);
    }
  }

  // The maximum of row i over its visible chunks' maxima (a split's stats) and its sink.
  template <int NR>
  static float phase_max(const Attn& a, const AttnRows<NR>& t, int i) {
    const AttnChunkStats* st = a.stats(i);
    float max = -INFINITY;
    for (int32_t c = t.chunk0[i]; c <= t.chunk1[i]; ++c) max = fmaxf(max, st[c].max);
    return with_sink(a.sink(i), max);
  }
  // The attention sink (AttentionParams::sinks) in the maximum, and after the sums.
  static float with_sink(const float* sink, float max) {
    return sink != nullptr ? fmaxf(max, *sink) : max;
  }
  static double add_sink(const float* sink, double sum, float max) {
    return sink != nullptr ? sum + static_cast<double>(exp_f32(*sink - max)) : sum;
  }

  // exp(s - max) in place over sc[first..last]; returns their sum_f64_lanes.
  static double attn_exp_sum(float* sc, int32_t first, int32_t last, float max) {
    exp_shifted(sc + first, last - first + 1, max);
    return Isa::sum_f64_lanes(sc + first, last - first + 1);
  }

  // sc[first..last] = f16(sc * inv): the probabilities as they meet the f16 V cache.
  static void attn_round_probs(float* sc, int32_t first, int32_t last, float inv) {
    const int64_t n = last - first + 1;
    float* x = sc + first;
    const VF inv_v = Isa::set1f(inv);
    int64_t j = 0;
    for (; j + R <= n; j += R) {
      alignas(64) uint16_t h[R];
      Isa::store_f16p(h, Isa::mul(Isa::loadf(x + j), inv_v));
      Isa::storef(x + j, Isa::load_f16p(h));
    }
    for (; j < n; ++j) x[j] = Isa::f16_to_f32(Isa::f32_to_f16(x[j] * inv));
  }

  // Scores of R keys for NR rows in lanes, KC chunks of R keys at once: NR * KC independent
  // accumulators keep the FMA units busy while each key's dot runs over d in order.
  static constexpr int attn_chunks(int nr) { return nr >= 8 ? 1 : nr >= 4 ? 2 : nr >= 2 ? 4 : 8; }

  template <int NR>
  static void attn_scores(const Attn& a, AttnRows<NR>& t) {
    constexpr int KC = attn_chunks(NR);
    const KvLayout& l = a.kv.layout;
    const int32_t kv_head = a.kv_head, bs = l.block_size;
    const uint16_t* cp[KC];
    int32_t cj[KC];
    int nc = 0;
    const size_t tile_bytes = static_cast<size_t>(l.head_dim) * bs * sizeof(uint16_t);
    for (int32_t bi = t.lo / bs; bi <= t.hi / bs; ++bi) {
      const int64_t block = a.kv.block_table[static_cast<size_t>(bi)];
      const uint16_t* kt = k_tile(a.kv, block, kv_head);
      if (bi + kAttnPrefetchBlocks <= t.hi / bs) {
        const int64_t ahead = a.kv.block_table[static_cast<size_t>(bi + kAttnPrefetchBlocks)];
        prefetch_bytes(k_tile(a.kv, ahead, kv_head), tile_bytes);
      }
      for (int32_t c = 0; c < bs; c += R) {
        const int32_t j0 = bi * bs + c;
        if (j0 > t.hi) break;
        if (j0 + R <= t.lo) continue;
        cp[nc] = kt + c;
        cj[nc] = j0;
        if (++nc == KC) {
          attn_score_chunks<NR, KC>(a, t, cp, cj);
          nc = 0;
        }
      }
    }
    for (int c = 0; c < nc; ++c) attn_score_chunks<NR, 1>(a, t, cp + c, cj + c);
  }

  template <int NR, int KC>
  static void attn_score_chunks(const Attn& a, AttnRows<NR>& t, const uint16_t* const* cp,
                                const int32_t* cj) {
    const KvLayout& l = a.kv.layout;
    const int32_t bs = l.block_size;
    VF acc[NR][KC];
    for (int i = 0; i < NR; ++i) {
      for (int c = 0; c < KC; ++c) acc[i][c] = Isa::zerof();
    }
    for (int32_t d = 0; d < l.head_dim; ++d) {
      VF k[KC];
      for (int c = 0; c < KC; ++c) k[c] = Isa::load_f16p(cp[c] + int64_t{d} * bs);
      for (int i = 0; i < NR; ++i) {
        const VF qd = Isa::set1f(t.q16[i][d]);
        for (int c = 0; c < KC; ++c) acc[i][c] = Isa::fmadd(qd, k[c], acc[i][c]);
      }
    }
    const float scale =
        a.p.scale != 0.0f ? a.p.scale : 1.0f / sqrtf(static_cast<float>(l.head_dim));
    const VF scale_v = Isa::set1f(scale);
    for (int i = 0; i < NR; ++i) {
      for (int c = 0; c < KC; ++c) {
        attn_keep_scores(a.p, t, i, cj[c], Isa::mul(acc[i][c], scale_v));
      }
    }
  }

  // Stores the scores s of keys [j0, j0 + R) that row i sees and takes their maximum.
  template <int NR>
  static void attn_keep_scores(const AttentionParams& p, AttnRows<NR>& t, int i, int32_t j0, VF s) {
    const int32_t a = t.first[i] > j0 ? t.first[i] : j0;
    const int32_t b = t.last[i] < j0 + R - 1 ? t.last[i] : j0 + R - 1;
    if (a > b) return;
    float* sc = t.sc[i];
    if (p.softcap > 0.0f) {
      alignas(64) float v[R];
      Isa::storef(v, s);
      for (int32_t j = a; j <= b; ++j) {
        const float sj = p.softcap * tanhf(v[j - j0] / p.softcap);
        sc[j] = sj;
        t.max_capped[i] = fmaxf(t.max_capped[i], sj);
      }
      return;
    }
    if (a == j0 && b == j0 + R - 1) {
      Isa::storef(sc + j0, s);
      t.max[i] = Isa::maxf(s, t.max[i]);  // a NaN score is skipped, as fmax does
      return;
    }
    alignas(64) float v[R];
    Isa::storef(v, s);
    std::memcpy(sc + a, v + (a - j0), static_cast<size_t>(b - a + 1) * sizeof(float));
    alignas(64) float lane[R];
    for (int j = 0; j < R; ++j) lane[j] = static_cast<float>(j);
    const VF idx = Isa::loadf(lane), neg = Isa::set1f(-INFINITY);
    VF m = Isa::sel_lt(idx, Isa::set1f(static_cast<float>(a - j0)), neg, s);
    m = Isa::sel_gt(idx, Isa::set1f(static_cast<float>(b - j0)), neg, m);
    t.max[i] = Isa::maxf(m, t.max[i]);
  }

  // MLA's softmax (one sum over the row): the scores of [first, last] in sc become f16-rounded
  // probabilities, as attention_mla_f16_f32's.
  static void attn_softmax(float* sc, int32_t first, int32_t last, VF max_v, float max_capped) {
    const float max = fmaxf(Isa::hmax(max_v), max_capped);
    attn_round_probs(sc, first, last, static_cast<float>(1.0 / attn_exp_sum(sc, first, last, max)));
  }

  // out rows [r0, r0 + NG) = sum over their keys of p_j * V_j, in key order, kVChunks vectors
  // of R dimensions per pass, over the tile's dimensions [dim0, dim1) (all when dim1 is 0).
  static constexpr int kVChunks = 4;
  template <int NG, int NR>
  static void attn_values(const Attn& a, const AttnRows<NR>& t, int r0) {
    const int32_t d1 = a.t.dim1 > 0 ? a.t.dim1 : a.kv.layout.head_dim;
    int32_t d0 = a.t.dim0;
    for (; d0 + kVChunks * R <= d1; d0 += kVChunks * R) attn_value_pass<NG, kVChunks>(a, t, r0, d0);
    switch ((d1 - d0) / R) {
      case 3:
        attn_value_pass<NG, 3>(a, t, r0, d0);
        break;
      case 2:
        attn_value_pass<NG, 2>(a, t, r0, d0);
        break;
      case 1:
        attn_value_pass<NG, 1>(a, t, r0, d0);
        break;
      default:
        break;
    }
  }

  template <int NG, int NCH, int NR>
  static void attn_value_pass(const Attn& a, const AttnRows<NR>& t, int r0, int32_t d0) {
    const KvLayout& l = a.kv.layout;
    const int32_t kv_head = a.kv_head, bs = l.block_size;
    int32_t lo = t.first[r0], hi = t.last[r0], all_lo = lo, all_hi = hi;
    for (int i = 1; i < NG; ++i) {
      lo = t.first[r0 + i] < lo ? t.first[r0 + i] : lo;
      hi = t.last[r0 + i] > hi ? t.last[r0 + i] : hi;
      all_lo = t.first[r0 + i] > all_lo ? t.first[r0 + i] : all_lo;
      all_hi = t.last[r0 + i] < all_hi ? t.last[r0 + i] : all_hi;
    }
    VF acc[NG][NCH];
    for (int i = 0; i < NG; ++i) {
      for (int c = 0; c < NCH; ++c) acc[i][c] = Isa::zerof();
    }
    const size_t tile_bytes = static_cast<size_t>(l.head_dim) * bs * sizeof(uint16_t);
    for (int32_t bi = lo / bs; bi <= hi / bs; ++bi) {
      const int64_t block = a.kv.block_table[static_cast<size_t>(bi)];
      const uint16_t* vt = v_tile(a.kv, block, kv_head) + d0;
      if (bi + kAttnPrefetchBlocks <= hi / bs) {
        const int64_t ahead = a.kv.block_table[static_cast<size_t>(bi + kAttnPrefetchBlocks)];
        prefetch_bytes(v_tile(a.kv, ahead, kv_head), tile_bytes);
      }
      const int32_t j0 = bi * bs > lo ? bi * bs : lo,
                    j1 = bi * bs + bs - 1 < hi ? bi * bs + bs - 1 : hi;
      for (int32_t j = j0; j <= j1; ++j) {
        const uint16_t* v = vt + int64_t{j - bi * bs} * l.head_dim;
        VF vv[NCH];
        for (int c = 0; c < NCH; ++c) vv[c] = Isa::load_f16p(v + c * R);
        const bool all = j >= all_lo && j <= all_hi;  // every row of the group sees key j
        for (int i = 0; i < NG; ++i) {
          if (!all && (j < t.first[r0 + i] || j > t.last[r0 + i])) continue;
          const VF pj = Isa::set1f(t.sc[r0 + i][j]);
          for (int c = 0; c < NCH; ++c) acc[i][c] = Isa::fmadd(pj, vv[c], acc[i][c]);
        }
      }
    }
    for (int i = 0; i < NG; ++i) {
      for (int c = 0; c < NCH; ++c) {
        Isa::storef(a.out(r0 + i) + d0 + c * R, acc[i][c]);
      }
    }
  }
  // ---- Multi-head Latent Attention (attention_mla_f16_f32's arithmetic) ----
  // Token-major latent rows, lanes along the row. The keys go in tiles of kMlaTile rows (a tile
  // stays in L1 while every head uses it: a 4k context's latent is 4.7 MB, so streaming it once
  // per head would cost more than the weights) and the heads in groups of kMlaHeads (each row
  // chunk converted from f16 serves the group). A score is the reference's kMlaLanes-lane dot
  // (kMlaLanes / R vectors per head, folded in the reference's order); the value sum runs over
  // R dimensions in lanes, keys in order, exactly the reference's.
  static constexpr int kMlaHeads = 4;
  static constexpr int kMlaVec = kMlaLanes / R;  // vectors per head holding the 16 dot lanes
  static constexpr int kMlaVChunks = 2;          // value vectors per head per pass
  static constexpr int32_t kMlaTile = 16;
  static constexpr int32_t kMaxMlaHeads = 256;

  static void attention_mla(const float* q, int64_t q_head_stride, int32_t n_head, int32_t pos,
                            const MlaView& kv, float scale, float* scratch, float* out,
                            int64_t out_head_stride) {
    if (kv.width % kMlaLanes != 0 || kv.v_width % (kMlaVChunks * R) != 0 || n_head > kMaxMlaHeads) {
      attention_mla_f16_f32(q, q_head_stride, n_head, pos, kv, scale, scratch, out,
                            out_head_stride);
      return;
    }
    // q rounded to f16 once, after the scores' space (MlaAttentionFn's scratch).
    float* q16 = scratch + int64_t{n_head} * kv.n_tokens;
    for (int32_t h = 0; h < n_head; ++h) {
      round_f16(q + h * q_head_stride, q16 + int64_t{h} * kv.width, kv.width);
    }
    const Mla a{q16, n_head, pos, kv, scale, scratch, out, out_head_stride};
    float max[kMaxMlaHeads];
    for (int32_t h = 0; h < n_head; ++h) max[h] = -INFINITY;
    const uint16_t* rows[kMlaTile];  // the tile's rows, found once (a division each)
    for (int32_t j0 = 0; j0 <= pos; j0 += kMlaTile) {
      const int32_t j1 = j0 + kMlaTile - 1 < pos ? j0 + kMlaTile - 1 : pos;
      for (int32_t j = j0; j <= j1; ++j) rows[j - j0] = kv.rows + mla_row_at(kv, j);
      for (int32_t h = 0; h < n_head; h += kMlaHeads) {
        mla_scores_upto<kMlaHeads>(n_head - h < kMlaHeads ? n_head - h : kMlaHeads, a, rows, h, j0,
                                   j1, max);
      }
    }
    for (int32_t h = 0; h < n_head; ++h) {
      attn_softmax(scratch + int64_t{h} * kv.n_tokens, 0, pos, Isa::set1f(max[h]), -INFINITY);
      float* o = out + h * out_head_stride;
      for (int32_t d = 0; d < kv.v_width; d += R) Isa::storef(o + d, Isa::zerof());
    }
    for (int32_t j0 = 0; j0 <= pos; j0 += kMlaTile) {
      const int32_t j1 = j0 + kMlaTile - 1 < pos ? j0 + kMlaTile - 1 : pos;
      for (int32_t j = j0; j <= j1; ++j) rows[j - j0] = kv.rows + mla_row_at(kv, j);
      for (int32_t h = 0; h < n_head; h += kMlaHeads) {
        const int32_t nh = n_head - h < kMlaHeads ? n_head - h : kMlaHeads;
        for (int32_t d0 = 0; d0 < kv.v_width; d0 += kMlaVChunks * R) {
          mla_values_upto<kMlaHeads>(nh, a, rows, h, j0, j1, d0);
        }
      }
    }
  }

  struct Mla {
    const float* q16;  // n_head rows of width, rounded to f16
    int32_t n_head;
    int32_t pos;
    const MlaView& kv;
    float scale;
    float* scratch;  // n_tokens floats per head: scores, then probabilities
    float* out;
    int64_t out_head_stride;
  };

  template <int N>
  static void mla_scores_upto(int32_t n, const Mla& a, const uint16_t* const* rows, int32_t h0,
                              int32_t j0, int32_t j1, float* max) {
    if constexpr (N > 0) {
      if (n == N) {
        mla_scores<N>(a, rows, h0, j0, j1, max);
      } else {
        mla_scores_upto<N - 1>(n, a, rows, h0, j0, j1, max);
      }
    }
  }

  template <int N>
  static void mla_values_upto(int32_t n, const Mla& a, const uint16_t* const* rows, int32_t h0,
                              int32_t j0, int32_t j1, int32_t d0) {
    if constexpr (N > 0) {
      if (n == N) {
        mla_values<N>(a, rows, h0, j0, j1, d0);
      } else {
        mla_values_upto<N - 1>(n, a, rows, h0, j0, j1, d0);
      }
    }
  }

  // Scores of keys [j0, j1] (rows[j - j0]) for heads [h0, h0 + NH).
  template <int NH>
  static void mla_scores(const Mla& a, const uint16_t* const* rows, int32_t h0, int32_t j0,
                         int32_t j1, float* max) {
    const MlaView& kv = a.kv;
    const float* q16[NH];
    for (int h = 0; h < NH; ++h) q16[h] = a.q16 + int64_t{h0 + h} * kv.width;
    for (int32_t j = j0; j <= j1; ++j) {
      const uint16_t* row = rows[j - j0];
      VF acc[NH][kMlaVec];
      for (int h = 0; h < NH; ++h) {
        for (int v = 0; v < kMlaVec; ++v) acc[h][v] = Isa::zerof();
      }
      for (int32_t d = 0; d < kv.width; d += kMlaLanes) {
        VF k[kMlaVec];
        for (int v = 0; v < kMlaVec; ++v) k[v] = Isa::load_f16p(row + d + v * R);
        for (int h = 0; h < NH; ++h) {
          for (int v = 0; v < kMlaVec; ++v) {
            acc[h][v] = Isa::fmadd(Isa::loadf(q16[h] + d + v * R), k[v], acc[h][v]);
          }
        }
      }
      for (int h = 0; h < NH; ++h) {
        const float sc = Isa::fold16(acc[h]) * a.scale;
        a.scratch[int64_t{h0 + h} * kv.n_tokens + j] = sc;
        max[h0 + h] = fmaxf(max[h0 + h], sc);
      }
    }
  }

  // out[h][d0, d0 + kMlaVChunks * R) += sum over keys [j0, j1] in order of p_hj * row_j[d].
  template <int NH>
  static void mla_values(const Mla& a, const uint16_t* const* rows, int32_t h0, int32_t j0,
                         int32_t j1, int32_t d0) {
    VF acc[NH][kMlaVChunks];
    for (int h = 0; h < NH; ++h) {
      for (int c = 0; c < kMlaVChunks; ++c) {
        acc[h][c] = Isa::loadf(a.out + (h0 + h) * a.out_head_stride + d0 + c * R);
      }
    }
    for (int32_t j = j0; j <= j1; ++j) {
      const uint16_t* row = rows[j - j0] + d0;
      VF v[kMlaVChunks];
      for (int c = 0; c < kMlaVChunks; ++c) v[c] = Isa::load_f16p(row + c * R);
      for (int h = 0; h < NH; ++h) {
        const VF p = Isa::set1f(a.scratch[int64_t{h0 + h} * a.kv.n_tokens + j]);
        for (int c = 0; c < kMlaVChunks; ++c) acc[h][c] = Isa::fmadd(p, v[c], acc[h][c]);
      }
    }
    for (int h = 0; h < NH; ++h) {
      for (int c = 0; c < kMlaVChunks; ++c) {
        Isa::storef(a.out + (h0 + h) * a.out_head_stride + d0 + c * R, acc[h][c]);
      }
    }
  }

  // Sets the row ops above in an ISA's override table (see isa_registry.h).
  static void fill(KernelTable* ops) {
    ops->attention_f16kv = attention;
    ops->attention_tile_rows = kAttnRows;
    ops->attention_mla_f16 = attention_mla;
    ops->f32_to_f16 = f32_to_f16_row;
    ops->silu_mul = silu_mul;
    ops->gelu_mul = gelu_mul;
    ops->clamped_silu_mul = clamped_silu_mul;
    ops->sigmoid_mul = sigmoid_mul;
    ops->delta_rule = delta_rule;
    ops->softmax = softmax;
  }
};

}  // namespace minke::simd
