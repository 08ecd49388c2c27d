// The scalar reference kernel table: every op, every supported weight type.
#include "core/fp16.h"
#include "kernels/kernel_table.h"
#include "kernels/ref/matmul.h"
#include "kernels/ref/ops.h"
#include "quant/quant_traits.h"
#include "quant/quantize.h"

namespace minke {
namespace {

// A reference matmul entry: the file's layout, activations in `act`'s GGUF block format.
MatmulKernel ref_matmul(GgmlType w, GgmlType act, QuantizeActFn q, MatmulFn fn, const char* name) {
  const GgmlTypeInfo& a = ggml_type_info(act);
  return {.weight_type = w,
          .act_block_size = static_cast<int32_t>(a.block_size),
          .act_block_bytes = static_cast<int32_t>(a.type_size),
          .quantize_act = q,
          .matmul = fn,
          .name = name};
}

void f32_to_f16_row(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = f32_to_fp16(x[i]);
}

KernelTable make_ref_table() {
  KernelTable t{
      .name = "ref",
      .attention_f16kv = attention_f16kv_f32,
      .attention_mla_f16 = attention_mla_f16_f32,
      .rope = rope_f32,
      .rms_norm = rms_norm_f32,
      .add = add_f32,
      .mul = mul_f32,
      .silu_mul = silu_mul_f32,
      .gelu_mul = gelu_mul_f32,
      .sigmoid_mul = sigmoid_mul_f32,
      .clamped_silu_mul = clamped_silu_mul_f32,
      .softmax = softmax_f32,
      .scale = scale_f32,
      .scale_add = scale_add_f32,
      .route = route_f32,
      .l2_norm = l2_norm_f32,
      .causal_conv_silu = causal_conv_silu_f32,
      .delta_rule = delta_rule_f32,
      .f32_to_f16 = f32_to_f16_row,
  };
  using G = GgmlType;
  const MatmulKernel all[] = {
      ref_matmul(G::F32, G::F32, convert_row_f32, matmul_f32_f32, "matmul_f32_f32"),
      ref_matmul(G::F16, G::F16, convert_row_f16, matmul_f16_f16, "matmul_f16_f16"),
      ref_matmul(G::BF16, G::BF16, convert_row_bf16, matmul_bf16_bf16, "matmul_bf16_bf16"),
      ref_matmul(G::Q4_0, G::Q8_0, quantize_act_q8_0, matmul_q4_0_q8_0, "matmul_q4_0_q8_0"),
      ref_matmul(G::Q4_1, G::Q8_1, quantize_act_q8_1, matmul_q4_1_q8_1, "matmul_q4_1_q8_1"),
      ref_matmul(G::Q5_0, G::Q8_0, quantize_act_q8_0, matmul_q5_0_q8_0, "matmul_q5_0_q8_0"),
      ref_matmul(G::Q5_1, G::Q8_1, quantize_act_q8_1, matmul_q5_1_q8_1, "matmul_q5_1_q8_1"),
      ref_matmul(G::Q8_0, G::Q8_0, quantize_act_q8_0, matmul_q8_0_q8_0, "matmul_q8_0_q8_0"),
      ref_matmul(G::MXFP4, G::Q8_0, quantize_act_q8_0, matmul_mxfp4_q8_0, "matmul_mxfp4_q8_0"),
      ref_matmul(G::Q2_K, G::Q8_K, quantize_row_q8_k, matmul_q2_k_q8_k, "matmul_q2_k_q8_k"),
      ref_matmul(G::Q3_K, G::Q8_K, quantize_row_q8_k, matmul_q3_k_q8_k, "matmul_q3_k_q8_k"),
      ref_matmul(G::Q4_K, G::Q8_K, quantize_row_q8_k, matmul_q4_k_q8_k, "matmul_q4_k_q8_k"),
      ref_matmul(G::Q5_K, G::Q8_K, quantize_row_q8_k, matmul_q5_k_q8_k, "matmul_q5_k_q8_k"),
      ref_matmul(G::Q6_K, G::Q8_K, quantize_row_q8_k, matmul_q6_k_q8_k, "matmul_q6_k_q8_k"),
  };
  for (const MatmulKernel& k : all) {
    t.set_matmul(k);
    t.dequantize[static_cast<size_t>(k.weight_type)] = quant_traits(k.weight_type).dequantize_row;
  }
  return t;
}

}  // namespace

const KernelTable& ref_kernels() {
  static const KernelTable table = make_ref_table();
  return table;
}

}  // namespace minke
