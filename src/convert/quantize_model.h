// `minke quantize`: rewrites a GGUF model with its weights in another block format, one tensor
// slab at a time (a model larger than memory quantizes in a few hundred MiB), into a file
// llama.cpp loads as well as Minke does.
//
// The mixes are llama.cpp's (llama-quant.cpp, the facts restated here): a mix names a base type
// and the rules that give the tensors quantization hurts most more bits, so a Minke Q4_K_M has
// the same tensor types as a llama.cpp Q4_K_M of the same model:
// - output.weight (token_embd.weight when the output is tied to it) becomes Q6_K, unless the
//   base is Q8_0 or the rows are not a multiple of the base block (then Q8_0);
// - Q4_K_M / Q5_K_M: attn_v (attn_kv_b, attn_qkv) and ffn_down get Q6_K in the layers
//   `use_more_bits` picks (the first and last eighth, every third in between), attn_qkv Q5_K
//   (Q6_K for Q5_K_M); Q4_K_S: the first four attn_v and the first eighth of ffn_down get Q5_K;
// - 8-expert models (Mixtral-like): attn_v and attn_k Q8_0, attn_output Q5_K for the K mixes;
// - never quantized: 1-D tensors, norms, the expert router (ffn_gate_inp), tensors whose name
//   does not end in "weight";
// - a row that is not a multiple of the chosen type's block falls back (Q4_K -> Q5_0, Q5_K ->
//   Q5_1, Q6_K -> Q8_0, then F16).
// Only the legacy quantizers give llama.cpp's bytes; the K-quant fits are Minke's own (see
// quant/quantize_k.cpp), so a K-mix file has the same types and sizes but not the same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/ggml_type.h"

namespace minke {

class GgufFile;

// A quantization mix as llama.cpp names it ("Q4_K_M"): its general.file_type number and the
// type most weights get.
struct QuantMix {
  std::string_view name;
  uint32_t file_type;
  GgmlType base;
};

// The mix named `name` (case-insensitive; "Q4_K" and "Q5_K" mean the _M mixes, as in
// llama-quantize), or nullopt.
std::optional<QuantMix> find_quant_mix(std::string_view name);
// "F32, F16, BF16, Q8_0, ..." for help and error text.
std::string quant_mix_list();

struct QuantizeOptions {
  QuantMix mix{};
  bool pure = false;                             // every weight gets the base type (no mix rules)
  bool allow_requantize = false;                 // the input may hold quantized weights
  bool quantize_output = true;                   // false: output.weight keeps its type
  std::optional<GgmlType> output_type;           // overrides the mix for output.weight
  std::optional<GgmlType> token_embedding_type;  // overrides the mix for token_embd.weight
  int threads = 1;
};

// What happens to one tensor.
struct TensorQuantPlan {
  std::string name;
  std::vector<int64_t> dims;
  GgmlType from;
  GgmlType to;
  bool fell_back = false;  // the mix's type did not fit the rows
};

// The type of every tensor of `in`, in file order (no data is read). Throws minke::Error for
// an input the options refuse (quantized weights without allow_requantize, a type Minke cannot
// produce).
std::vector<TensorQuantPlan> plan_quantization(const GgufFile& in, const QuantizeOptions& options);

// Called after each tensor is written: its plan, its index and the tensor count.
using QuantizeProgress = std::function<void(const TensorQuantPlan&, size_t index, size_t count)>;

// Writes `in` with the planned types to `out_path` (atomically: see GgufWriter::write_file).
// Metadata is copied except general.file_type and general.quantization_version, which are set.
void quantize_model(const GgufFile& in, const std::string& out_path, const QuantizeOptions& options,
                    const QuantizeProgress& progress = {});

// The same from a path: opens it, plans (so a refused input fails before any work), calls
// `on_start` with the input's tensor bytes, then quantizes.
void quantize_model_file(const std::string& in_path, const std::string& out_path,
                         const QuantizeOptions& options,
                         const std::function<void(uint64_t tensor_bytes)>& on_start,
                         const QuantizeProgress& progress);

}  // namespace minke
