// The fp16 -> f32 table behind fp16_table().
#include "kernels/ref/fp16_table.h"

#include <vector>

#include "core/fp16.h"
#include "kernels/ref/ops.h"

namespace minke {

const float* fp16_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(1u << 16);
    for (uint32_t h = 0; h < (1u << 16); ++h) t[h] = fp16_to_f32(static_cast<uint16_t>(h));
    return t;
  }();
  return table.data();
}

const float* gelu_f16_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(1u << 16);
    for (uint32_t h = 0; h < (1u << 16); ++h) {
      const float x = fp16_to_f32(static_cast<uint16_t>(h));
      t[h] = fp16_to_f32(f32_to_fp16(gelu_tanh_f32(x)));
    }
    return t;
  }();
  return table.data();
}

}  // namespace minke
