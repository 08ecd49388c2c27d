// Reference row-wise kernels: rms_norm, elementwise ops, SwiGLU/GeGLU, softmax.
#include "kernels/ref/ops.h"

#include <cmath>

#include "core/fp16.h"

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

void silu_mul_f32(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float silu = a[i] / (1.0f + std::exp(-a[i]));
    y[i] = silu * b[i];
  }
}

float gelu_tanh_f32(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoef = 0.044715f;
  const float inner = kSqrt2OverPi * x * (1.0f + kCoef * x * x);
  return 0.5f * x * (1.0f + std::tanh(inner));
}

void gelu_mul_f32(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float g;
    if (a[i] <= -10.0f) {
      g = 0.0f;
    } else if (a[i] >= 10.0f) {
      g = a[i];
    } else {
      // llama.cpp reads gelu from a table indexed by the fp16 input, holding fp16 outputs.
      const float xh = fp16_to_f32(f32_to_fp16(a[i]));
      g = fp16_to_f32(f32_to_fp16(gelu_tanh_f32(xh)));
    }
    y[i] = g * b[i];
  }
}

void softmax_f32(const float* x, float* y, int64_t n) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = std::fmax(max, x[i]);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - max);
    sum += static_cast<double>(y[i]);
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

}  // namespace minke
