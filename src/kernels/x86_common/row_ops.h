// The x86 row kernels, written once against an ISA description (see interleaved_matmul.h):
// activation quantizers (Q8_0S, Q8_1, Q8_K), the f16 KV store conversion and decode attention
// over the paged f16 cache. Like the matmuls they compute exactly what kernels/ref/ computes:
// maxima are order-free, every product that meets f16 data is exact in f32 (so FMA rounds
// once, as the reference's separate add does), sums keep the reference's order, and exp and
// the softmax sum are the reference's own scalar code.
//
// Extra Isa members used here: loadf, storef, absf, maxf, hmax, cvt_rne, store_i8, hsum32,
// fmadd, load_f16p, store_f16p, f32_to_f16, f16_to_f32, min32, max32, minf, divf, roundf, cvtt,
// exp_poly, f16_bits, gather, sel_lt, sel_gt, sel_le, sel_ge, sel_nan. Only C functions and
// builtins from the standard library: an inline std:: template instantiated in an ISA file could
// be the copy the linker keeps for baseline code.
#pragma once

#include <math.h>  // expf, tanhf, ...: C functions, never inline copies compiled for an ISA

#include <cstdint>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/ref/fp16_table.h"
#include "kernels/ref/ops.h"
#include "kernels/x86_common/packed_formats.h"
#include "quant/blocks_k.h"
#include "quant/blocks_legacy.h"

namespace minke::x86 {

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

  static void quantize_q8_0s(const float* x, void* out, int64_t k) {
    auto* b = static_cast<BlockQ8_0S*>(out);
    for (int64_t i = 0; i < k / 32; ++i, ++b, x += 32) {
      int sum = 0;
      b->d = Isa::f32_to_f16(q8_block32(x, b->qs, &sum));
      b->sum = static_cast<int16_t>(sum);
    }
  }

  static void quantize_q8_1(const float* x, void* out, int64_t k) {
    auto* b = static_cast<BlockQ8_1*>(out);
    for (int64_t i = 0; i < k / 32; ++i, ++b, x += 32) {
      int sum = 0;
      const float d = q8_block32(x, b->qs, &sum);
      b->d = Isa::f32_to_f16(d);
      b->s = Isa::f32_to_f16(d * static_cast<float>(sum));
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
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(y[i]);
    const float inv = static_cast<float>(1.0 / sum);
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

  // attention_f16kv_f32: one row of attention_rows.
  static void attention(const float* q, int32_t pos, int32_t head, const KvView& kv,
                        const AttentionParams& p, float* scratch, float* out) {
    attention_rows(q, 0, 1, &pos, head, kv, p, scratch, out, 0);
  }

  // attention_f16kv_f32 for up to kRows query rows of one sequence and head, with the scores of
  // R keys of a block in lanes (K is dimension-major in its block) and the V sum over R
  // dimensions in lanes; each K and V vector loaded serves every row. Per row, the scores, the
  // softmax and the V sum over its own keys in key order are exactly the reference's.
  static constexpr int kRows = 4;
  static void attention_rows(const float* q, int64_t q_stride, int32_t n_rows, const int32_t* pos,
                             int32_t head, const KvView& kv, const AttentionParams& p,
                             float* scratch, float* out, int64_t out_stride) {
    const KvLayout& l = kv.layout;
    const int32_t hd = l.head_dim, bs = l.block_size;
    if (bs % R != 0 || hd % R != 0 || hd > kMaxHeadDim || p.n_head % l.n_head_kv != 0) {
      attention_rows_f16kv_f32(q, q_stride, n_rows, pos, head, kv, p, scratch, out, out_stride);
      return;
    }
    if (n_rows > kRows) {
      for (int32_t i = 0; i < n_rows; i += kRows) {
        const int32_t n = n_rows - i < kRows ? n_rows - i : kRows;
        attention_rows(q + i * q_stride, q_stride, n, pos + i, head, kv, p,
                       scratch + int64_t{i} * kv.n_tokens, out + i * out_stride, out_stride);
      }
      return;
    }
    const int32_t kv_head = head / (p.n_head / l.n_head_kv);
    const float scale = p.scale != 0.0f ? p.scale : 1.0f / sqrtf(static_cast<float>(hd));
    alignas(64) float q16[kRows][kMaxHeadDim];
    int32_t first[kRows], last[kRows];
    float max[kRows];
    float* sc[kRows];
    int32_t lo = pos[0], hi = pos[0];
    for (int32_t i = 0; i < n_rows; ++i) {
      round_f16(q + i * q_stride, q16[i], hd);
      last[i] = pos[i];
      first[i] = p.window > 0 && pos[i] - p.window + 1 > 0 ? pos[i] - p.window + 1 : 0;
      max[i] = -INFINITY;
      sc[i] = scratch + int64_t{i} * kv.n_tokens;
      lo = first[i] < lo ? first[i] : lo;
      hi = last[i] > hi ? last[i] : hi;
    }
    const VF scale_v = Isa::set1f(scale);
    for (int32_t bi = lo / bs; bi <= hi / bs; ++bi) {
      const int64_t block = kv.block_table[static_cast<size_t>(bi)];
      const uint16_t* kt = kv.k + ((block * l.n_head_kv + kv_head) * hd) * bs;
      for (int32_t c = 0; c < bs; c += R) {
        const int32_t j0 = bi * bs + c;
        if (j0 > hi) break;
        if (j0 + R <= lo) continue;
        VF acc[kRows];
        for (int i = 0; i < kRows; ++i) acc[i] = Isa::zerof();
        for (int32_t d = 0; d < hd; ++d) {
          const VF k = Isa::load_f16p(kt + int64_t{d} * bs + c);
          for (int32_t i = 0; i < n_rows; ++i)
            acc[i] = Isa::fmadd(Isa::set1f(q16[i][d]), k, acc[i]);
        }
        for (int32_t i = 0; i < n_rows; ++i) {
          alignas(64) float s[R];
          Isa::storef(s, Isa::mul(acc[i], scale_v));
          const int32_t a = first[i] > j0 ? first[i] : j0;
          const int32_t b = last[i] < j0 + R - 1 ? last[i] : j0 + R - 1;
          for (int32_t j = a; j <= b; ++j) {
            float sj = s[j - j0];
            if (p.softcap > 0.0f) sj = p.softcap * tanhf(sj / p.softcap);
            sc[i][j] = sj;
            max[i] = fmaxf(max[i], sj);
          }
        }
      }
    }
    for (int32_t i = 0; i < n_rows; ++i) {
      exp_shifted(sc[i] + first[i], last[i] - first[i] + 1, max[i]);
      double sum = 0.0;
      for (int32_t j = first[i]; j <= last[i]; ++j) sum += static_cast<double>(sc[i][j]);
      const float inv = static_cast<float>(1.0 / sum);
      for (int32_t j = first[i]; j <= last[i]; ++j) {
        sc[i][j] = Isa::f16_to_f32(Isa::f32_to_f16(sc[i][j] * inv));
      }
    }
    constexpr int kChunks = 4;  // 4 rows x 4 chunks of accumulators stay in registers
    for (int32_t d0 = 0; d0 < hd; d0 += kChunks * R) {
      const int n_chunks = (hd - d0) / R < kChunks ? (hd - d0) / R : kChunks;
      VF acc[kRows][kChunks];
      for (int i = 0; i < kRows; ++i) {
        for (int c = 0; c < kChunks; ++c) acc[i][c] = Isa::zerof();
      }
      for (int32_t j = lo; j <= hi; ++j) {
        const int64_t block = kv.block_table[static_cast<size_t>(j / bs)];
        const uint16_t* v = kv.v + ((block * l.n_head_kv + kv_head) * bs + j % bs) * hd + d0;
        VF vv[kChunks];
        for (int c = 0; c < n_chunks; ++c) vv[c] = Isa::load_f16p(v + c * R);
        for (int32_t i = 0; i < n_rows; ++i) {
          if (j < first[i] || j > last[i]) continue;
          const VF pj = Isa::set1f(sc[i][j]);
          for (int c = 0; c < n_chunks; ++c) acc[i][c] = Isa::fmadd(pj, vv[c], acc[i][c]);
        }
      }
      for (int32_t i = 0; i < n_rows; ++i) {
        for (int c = 0; c < n_chunks; ++c)
          Isa::storef(out + i * out_stride + d0 + c * R, acc[i][c]);
      }
    }
  }

  // Sets the row ops above in an ISA's override table (see isa_registry.h).
  static void fill(KernelTable* ops) {
    ops->attention_f16kv = attention;
    ops->attention_rows_f16kv = attention_rows;
    ops->f32_to_f16 = f32_to_f16_row;
    ops->silu_mul = silu_mul;
    ops->gelu_mul = gelu_mul;
    ops->softmax = softmax;
  }
};

}  // namespace minke::x86
