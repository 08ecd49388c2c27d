// Reference row-wise kernels: rms_norm, elementwise ops, SwiGLU/GeGLU, softmax.
#include "kernels/ref/ops.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "core/fp16.h"
#include "kernels/ref/fp16_table.h"

namespace minke {

void rms_norm_f32(const float* x, const float* w, float eps, float* y, int64_t n) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float sq = x[i] * x[i];
    sum += static_cast<double>(sq);
  }
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) {
    const float normed = x[i] * scale;
    y[i] = normed * w[i];
  }
}

void add_f32(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void mul_f32(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

void scale_f32(const float* x, float s, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * s;
}

void scale_add_f32(const float* x, float s, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i] * s;
}

float exp_f32(float x) {
  if (x != x) return x;
  if (!(x >= kExpLo)) return 0.0f;
  if (x > kExpHi) return INFINITY;
  const double xd = x;
  const double n = std::nearbyint(xd * kExpLog2e);
  const double r = (xd - n * kExpLn2Hi) - n * kExpLn2Lo;
  double p = kExpPoly[0];
  for (int i = 1; i < 11; ++i) p = p * r + kExpPoly[i];
  const auto bits = static_cast<uint64_t>(static_cast<int64_t>(n) + 1023) << 52;
  return static_cast<float>(p * std::bit_cast<double>(bits));
}

void silu_mul_f32(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float silu = a[i] / (1.0f + exp_f32(-a[i]));
    y[i] = silu * b[i];
  }
}

void sigmoid_mul_f32(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    // A NaN gate gives itself back: how its sign fares through -a, exp and the division
    // differs between instruction sets.
    y[i] = a[i] != a[i] ? a[i] : 1.0f / (1.0f + exp_f32(-a[i])) * b[i];
  }
}

void clamped_silu_mul_f32(const float* a, const float* b, float alpha, float limit, float* y,
                          int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = std::min(a[i], limit);
    const float u = std::clamp(b[i], -limit, limit);
    y[i] = g / (1.0f + exp_f32(alpha * -g)) * (u + 1.0f);
  }
}

float gelu_tanh_f32(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoef = 0.044715f;
  const float inner = kSqrt2OverPi * x * (1.0f + kCoef * x * x);
  return 0.5f * x * (1.0f + std::tanh(inner));
}

void gelu_mul_f32(const float* a, const float* b, float* y, int64_t n) {
  // llama.cpp reads gelu from a table indexed by the fp16 input, holding fp16 outputs.
  const float* table = gelu_f16_table();
  for (int64_t i = 0; i < n; ++i) {
    float g;
    if (a[i] <= -10.0f) {
      g = 0.0f;
    } else if (a[i] >= 10.0f) {
      g = a[i];
    } else {
      g = table[f32_to_fp16(a[i])];
    }
    y[i] = g * b[i];
  }
}

void softmax_f32(const float* x, float* y, int64_t n) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = std::fmax(max, x[i]);
  for (int64_t i = 0; i < n; ++i) y[i] = exp_f32(x[i] - max);
  const float inv = static_cast<float>(1.0 / sum_f64_lanes(y, n));
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

double sum_f64_lanes(const float* x, int64_t n) {
  double lane[kSumLanes] = {};
  for (int64_t i = 0; i < n; ++i) lane[i % kSumLanes] += static_cast<double>(x[i]);
  for (int w = kSumLanes / 2; w >= 1; w /= 2) {
    for (int l = 0; l < w; ++l) lane[l] += lane[l + w];
  }
  return lane[0];
}

}  // namespace minke
