// Reference quantization to Q4_K, Q5_K, Q6_K and Q8_K (layouts in blocks_k.h). The K-quant
// sub-block fits are Minke's own least-squares search (scale_fit.h), not a transcription of
// ggml's, so the bytes can differ from llama.cpp's; tests bound the round-trip error instead.
// Q8_K (activations) follows the obvious rule and matches ggml's quantize_row_q8_K_ref.
#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/fp16.h"
#include "quant/blocks_k.h"
#include "quant/k_scales.h"
#include "quant/quantize.h"
#include "quant/scale_fit.h"

namespace minke {
namespace {

int64_t k_block_count(int64_t n) {
  MINKE_CHECK(n >= 0 && n % kQK_K == 0);
  return n / kQK_K;
}

// Round-half-to-even, clamped (the usual "nearest int" of quantizers).
inline int round_clamp(float v, int lo, int hi) {
  return std::clamp(static_cast<int>(std::nearbyint(v)), lo, hi);
}

// Shared by Q4_K and Q5_K: fits eight 32-element sub-blocks to 0..nmax with a (scale, min)
// each, stores the 6-bit scales/mins and fp16 super-scales, and returns the final quants L
// recomputed against the stored (rounded) scales.
void quantize_k4_block(const float* x, int nmax, uint16_t* d_out, uint16_t* dmin_out,
                       uint8_t packed_scales[12], uint8_t L[kQK_K]) {
  float scales[8], mins[8];  // mins as positive offsets: x ~= scale * L - min
  float max_scale = 0.0f, max_min = 0.0f;
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    // Weight larger elements more (they dominate a layer's output), never zero weights.
    float sum_x2 = 0.0f;
    for (int i = 0; i < 32; ++i) sum_x2 += xs[i] * xs[i];
    const float rms = std::sqrt(sum_x2 / 32.0f);
    float w[32];
    for (int i = 0; i < 32; ++i) w[i] = rms + std::fabs(xs[i]);
    const AffineFit fit = fit_affine(xs, w, 32, nmax, L + 32 * j);
    scales[j] = fit.scale;
    mins[j] = -fit.min;
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    ls[j] = static_cast<uint8_t>(round_clamp(inv_scale * scales[j], 0, 63));
    lm[j] = static_cast<uint8_t>(round_clamp(inv_min * mins[j], 0, 63));
  }
  *d_out = f32_to_fp16(max_scale / 63.0f);
  *dmin_out = f32_to_fp16(max_min / 63.0f);
  pack_k4_scales_mins(ls, lm, packed_scales);

  // Requantize against what a reader will actually decode.
  const float d = fp16_to_f32(*d_out), dmin = fp16_to_f32(*dmin_out);
  for (int j = 0; j < 8; ++j) {
    const float dl = d * ls[j];
    const float ml = dmin * lm[j];
    for (int i = 0; i < 32; ++i) {
      L[32 * j + i] =
          dl == 0.0f ? 0 : static_cast<uint8_t>(round_clamp((x[32 * j + i] + ml) / dl, 0, nmax));
    }
  }
}

}  // namespace

void quantize_row_q4_k(const float* in, void* blocks, int64_t n) {
  auto* b = static_cast<BlockQ4_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, in += kQK_K) {
    uint8_t L[kQK_K];
    quantize_k4_block(in, 15, &b->d, &b->dmin, b->scales, L);
    // Sub-blocks 2c and 2c+1 share qs[32c..32c+31]: low and high nibble.
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        b->qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | L[64 * c + 32 + l] << 4);
      }
    }
  }
}

void quantize_row_q5_k(const float* in, void* blocks, int64_t n) {
  auto* b = static_cast<BlockQ5_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, in += kQK_K) {
    uint8_t L[kQK_K];
    quantize_k4_block(in, 31, &b->d, &b->dmin, b->scales, L);
    for (int l = 0; l < 32; ++l) {
      uint8_t high = 0;
      for (int j = 0; j < 8; ++j) high |= static_cast<uint8_t>(((L[32 * j + l] >> 4) & 1) << j);
      b->qh[l] = high;
    }
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        b->qs[32 * c + l] =
            static_cast<uint8_t>((L[64 * c + l] & 0xF) | (L[64 * c + 32 + l] & 0xF) << 4);
      }
    }
  }
}

void quantize_row_q6_k(const float* in, void* blocks, int64_t n) {
  auto* b = static_cast<BlockQ6_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, in += kQK_K) {
    float scales[16];
    float max_scale = 0.0f, amax_scale = 0.0f;
    int8_t L[kQK_K];
    const float ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    for (int j = 0; j < 16; ++j) {
      scales[j] = fit_symmetric(in + 16 * j, ones, 16, 31, L + 16 * j);
      if (std::fabs(scales[j]) > amax_scale) {
        amax_scale = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    // int8 sub-scales; the largest maps to -128 (the longer side), d carries the sign.
    const float d = max_scale / -128.0f;
    b->d = f32_to_fp16(d);
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    for (int j = 0; j < 16; ++j) {
      b->scales[j] = static_cast<int8_t>(round_clamp(scales[j] * id, -128, 127));
    }
    const float dq = fp16_to_f32(b->d);
    uint8_t q[kQK_K];
    for (int e = 0; e < kQK_K; ++e) {
      const float dl = dq * b->scales[e / 16];
      q[e] = static_cast<uint8_t>(dl == 0.0f ? 32 : round_clamp(in[e] / dl, -32, 31) + 32);
    }
    // Element e = h*128 + t: low nibble t / 64 of ql[h*64 + t % 64], high 2 bits at
    // (t / 32) * 2 of qh[h*32 + t % 32] (see blocks_k.h).
    std::fill(b->ql, b->ql + sizeof(b->ql), uint8_t{0});
    std::fill(b->qh, b->qh + sizeof(b->qh), uint8_t{0});
    for (int e = 0; e < kQK_K; ++e) {
      const int h = e / 128, t = e % 128;
      b->ql[h * 64 + t % 64] |= static_cast<uint8_t>((q[e] & 0xF) << (4 * (t / 64)));
      b->qh[h * 32 + t % 32] |= static_cast<uint8_t>((q[e] >> 4) << (2 * (t / 32)));
    }
  }
}

// Q8_K: the largest-magnitude element maps to -127 (so d = max / -127 keeps its sign), every
// q = nearest(x * (-127 / max)) capped at 127; bsums are the 16-element group sums.
void quantize_row_q8_k(const float* in, void* blocks, int64_t n) {
  auto* b = static_cast<BlockQ8_K*>(blocks);
  for (int64_t k = k_block_count(n); k-- > 0; ++b, in += kQK_K) {
    float amax = 0.0f, max = 0.0f;
    for (int e = 0; e < kQK_K; ++e) {
      if (std::fabs(in[e]) > amax) {
        amax = std::fabs(in[e]);
        max = in[e];
      }
    }
    if (amax == 0.0f) {
      b->d = 0.0f;
      std::fill(b->qs, b->qs + kQK_K, int8_t{0});
      std::fill(b->bsums, b->bsums + kQK_K / 16, int16_t{0});
      continue;
    }
    const float iscale = -127.0f / max;
    for (int e = 0; e < kQK_K; ++e) {
      b->qs[e] = static_cast<int8_t>(round_clamp(iscale * in[e], -128, 127));
    }
    for (int g = 0; g < kQK_K / 16; ++g) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += b->qs[16 * g + i];
      b->bsums[g] = static_cast<int16_t>(sum);
    }
    b->d = 1.0f / iscale;
  }
}

}  // namespace minke
