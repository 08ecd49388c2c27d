// The scalar reference kernel table: every op, every supported weight type.
#include <array>

#include "kernels/kernel_table.h"
#include "kernels/ref/matmul.h"
#include "kernels/ref/ops.h"
#include "quant/quantize.h"

namespace minke {
namespace {

constexpr std::array kRefMatmul = {
    MatmulKernel{GgmlType::F32, GgmlType::F32, convert_row_f32, matmul_f32_f32, "matmul_f32_f32"},
    MatmulKernel{GgmlType::F16, GgmlType::F16, convert_row_f16, matmul_f16_f16, "matmul_f16_f16"},
    MatmulKernel{GgmlType::BF16, GgmlType::BF16, convert_row_bf16, matmul_bf16_bf16,
                 "matmul_bf16_bf16"},
    MatmulKernel{GgmlType::Q4_0, GgmlType::Q8_0, quantize_act_q8_0, matmul_q4_0_q8_0,
                 "matmul_q4_0_q8_0"},
    MatmulKernel{GgmlType::Q4_1, GgmlType::Q8_1, quantize_act_q8_1, matmul_q4_1_q8_1,
                 "matmul_q4_1_q8_1"},
    MatmulKernel{GgmlType::Q5_0, GgmlType::Q8_0, quantize_act_q8_0, matmul_q5_0_q8_0,
                 "matmul_q5_0_q8_0"},
    MatmulKernel{GgmlType::Q5_1, GgmlType::Q8_1, quantize_act_q8_1, matmul_q5_1_q8_1,
                 "matmul_q5_1_q8_1"},
    MatmulKernel{GgmlType::Q8_0, GgmlType::Q8_0, quantize_act_q8_0, matmul_q8_0_q8_0,
                 "matmul_q8_0_q8_0"},
    MatmulKernel{GgmlType::Q2_K, GgmlType::Q8_K, quantize_row_q8_k, matmul_q2_k_q8_k,
                 "matmul_q2_k_q8_k"},
    MatmulKernel{GgmlType::Q3_K, GgmlType::Q8_K, quantize_row_q8_k, matmul_q3_k_q8_k,
                 "matmul_q3_k_q8_k"},
    MatmulKernel{GgmlType::Q4_K, GgmlType::Q8_K, quantize_row_q8_k, matmul_q4_k_q8_k,
                 "matmul_q4_k_q8_k"},
    MatmulKernel{GgmlType::Q5_K, GgmlType::Q8_K, quantize_row_q8_k, matmul_q5_k_q8_k,
                 "matmul_q5_k_q8_k"},
    MatmulKernel{GgmlType::Q6_K, GgmlType::Q8_K, quantize_row_q8_k, matmul_q6_k_q8_k,
                 "matmul_q6_k_q8_k"},
};

}  // namespace

const KernelTable& ref_kernels() {
  static const KernelTable table{
      .name = "ref",
      .matmul = kRefMatmul,
      .attention_f16kv = attention_f16kv_f32,
      .rope = rope_f32,
      .rms_norm = rms_norm_f32,
      .add = add_f32,
      .mul = mul_f32,
      .silu_mul = silu_mul_f32,
      .gelu_mul = gelu_mul_f32,
      .softmax = softmax_f32,
      .scale = scale_f32,
  };
  return table;
}

}  // namespace minke
