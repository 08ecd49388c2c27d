// The table behind quant_traits(): which types have reference (de)quantizers.
#include "quant/quant_traits.h"

#include <array>
#include <string>

#include "minke/error.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"

namespace minke {
namespace {

struct Entry {
  GgmlType type;
  DequantizeRowFn dequantize_row;
  QuantizeRowFn quantize_row;
};

constexpr std::array kEntries = {
    Entry{GgmlType::F32, dequantize_row_f32, quantize_row_f32},
    Entry{GgmlType::F16, dequantize_row_f16, quantize_row_f16},
    Entry{GgmlType::BF16, dequantize_row_bf16, quantize_row_bf16},
    Entry{GgmlType::Q4_0, dequantize_row_q4_0, quantize_row_q4_0},
    Entry{GgmlType::Q4_1, dequantize_row_q4_1, quantize_row_q4_1},
    Entry{GgmlType::Q5_0, dequantize_row_q5_0, quantize_row_q5_0},
    Entry{GgmlType::Q5_1, dequantize_row_q5_1, quantize_row_q5_1},
    Entry{GgmlType::Q8_0, dequantize_row_q8_0, quantize_row_q8_0},
    Entry{GgmlType::Q2_K, dequantize_row_q2_k, nullptr},
    Entry{GgmlType::Q3_K, dequantize_row_q3_k, nullptr},
    Entry{GgmlType::Q4_K, dequantize_row_q4_k, quantize_row_q4_k},
    Entry{GgmlType::Q5_K, dequantize_row_q5_k, quantize_row_q5_k},
    Entry{GgmlType::Q6_K, dequantize_row_q6_k, quantize_row_q6_k},
    Entry{GgmlType::Q8_K, dequantize_row_q8_k, quantize_row_q8_k},
    Entry{GgmlType::IQ4_NL, dequantize_row_iq4_nl, nullptr},
    Entry{GgmlType::IQ4_XS, dequantize_row_iq4_xs, nullptr},
    Entry{GgmlType::MXFP4, dequantize_row_mxfp4, quantize_row_mxfp4},
};

// Built once from kEntries plus the geometry in ggml_type_info (not duplicated here).
const std::array<QuantTraits, kEntries.size()>& traits_table() {
  static const auto table = [] {
    std::array<QuantTraits, kEntries.size()> t{};
    for (size_t i = 0; i < kEntries.size(); ++i) {
      const GgmlTypeInfo& info = ggml_type_info(kEntries[i].type);
      t[i] = {kEntries[i].type, info.block_size, info.type_size, kEntries[i].dequantize_row,
              kEntries[i].quantize_row};
    }
    return t;
  }();
  return table;
}

const QuantTraits* find(GgmlType type) {
  for (const QuantTraits& t : traits_table()) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

}  // namespace

bool quant_supported(GgmlType type) { return find(type) != nullptr; }

const QuantTraits& quant_traits(GgmlType type) {
  if (const QuantTraits* t = find(type)) return *t;
  throw Error("tensor type " + std::string(ggml_type_name(type)) +
              " is not supported by Minke yet (no dequantizer for it)");
}

QuantizeRowFn quantize_row_fn(GgmlType type) {
  const QuantTraits& t = quant_traits(type);
  if (t.quantize_row == nullptr) {
    throw Error("cannot quantize to " + std::string(ggml_type_name(type)) +
                ": Minke has no quantizer for this type yet");
  }
  return t.quantize_row;
}

}  // namespace minke
