// WeightBinder: looks up a model's GGUF tensors by name ("blk.3.attn_q.weight") and checks
// shape and type before the model keeps a WeightView of them, so a wrong or incomplete file
// fails at load with the tensor's name rather than deep inside a kernel. Matmul weights go
// through Backend::prepare_weight (the CPU repacks them for its kernels, a GPU uploads them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"

namespace minke {

class GgufFile;
struct GgufTensor;

class WeightBinder {
 public:
  WeightBinder(const GgufFile& file, Backend& backend) : file_(file), backend_(backend) {}

  // A matmul weight of `rows` rows of `cols` values (GGUF ne = [cols, rows]) the backend can
  // run, prepared by the backend.
  WeightView matrix(const std::string& name, int64_t rows, int64_t cols) const;
  // The n_expert matmul weights of a mixture-of-experts tensor, [rows, cols] each (GGUF
  // ne = [cols, rows, n_expert]: expert e is the e-th [rows, cols] slab), for matmul_experts,
  // each prepared on its own by the backend (Backend::prepare_expert: maybe when first used).
  std::vector<WeightView> experts(const std::string& name, int64_t n_expert, int64_t rows,
                                  int64_t cols) const;
  // Rows [row0, row0 + n) of each expert's [rows, cols] slab (one half of a fused gate|up
  // tensor), prepared as experts() does.
  std::vector<WeightView> expert_rows(const std::string& name, int64_t n_expert, int64_t rows,
                                      int64_t cols, int64_t row0, int64_t n) const;
  // The same layout holding one matrix per attention head (for matmul_heads), prepared now.
  std::vector<WeightView> heads(const std::string& name, int64_t n_head, int64_t rows,
                                int64_t cols) const;
  // Rows [row0, row0 + n) of a [rows, cols] matmul weight, prepared on their own (one head's
  // slice of a fused projection).
  WeightView matrix_rows(const std::string& name, int64_t rows, int64_t cols, int64_t row0,
                         int64_t n) const;
  // A [rows, cols] weight of any supported type dequantized to f32, row-major (for weights a
  // model rearranges at load, e.g. transposes).
  std::vector<float> dequantized(const std::string& name, int64_t rows, int64_t cols) const;
  // An F32 matmul weight the model holds itself (data must outlive the model), prepared.
  WeightView f32_matrix(const float* data, int64_t rows, int64_t cols) const;
  // A lookup table (token embeddings) read with get_rows, in the file's layout.
  WeightView table(const std::string& name, int64_t rows, int64_t cols) const;
  // A table (bound with table()) also used as a matmul weight: tied embeddings as the LM head.
  // get_rows keeps reading the file's rows, a few pages per step.
  WeightView tied_matrix(const WeightView& table) const;
  // A 1-D F32 vector of n values (norm weights, biases, rope frequency factors).
  WeightView vector(const std::string& name, int64_t n) const;
  // The n rows of a 2-D F32 tensor of n vectors of len values (GGUF ne = [len, n]), each a 1-D
  // weight: one bias per expert (gpt-oss), or none when the file has no such tensor.
  std::vector<WeightView> optional_vectors(const std::string& name, int64_t n, int64_t len) const;
  // The same, or nothing when the file has no tensor of that name.
  std::optional<WeightView> optional_matrix(const std::string& name, int64_t rows,
                                            int64_t cols) const;
  std::optional<WeightView> optional_vector(const std::string& name, int64_t n) const;

  bool has(std::string_view name) const;
  const GgufFile& file() const { return file_; }

 private:
  const GgufTensor& find(const std::string& name) const;
  WeightView bind(const GgufTensor& t, int64_t rows, int64_t cols, bool is_matrix) const;
  // Throws unless t's dims are `want` (GGUF order, innermost first).
  void check_shape(const GgufTensor& t, const std::vector<int64_t>& want) const;
  // Throws unless the backend runs matmuls on t's type.
  void check_matmul_type(const GgufTensor& t) const;
  // Backend::prepare_weight, releasing the file's pages as the backend copies them.
  WeightView prepare(const WeightView& w) const;
  Backend::SourceRelease release_fn() const;
  // The n [rows, cols] slabs of a 3-D tensor, as experts (prepare_expert) or heads.
  // Rows [row0, row0 + n_rows) of each (n_rows 0: all rows).
  std::vector<WeightView> slabs(const std::string& name, int64_t n, int64_t rows, int64_t cols,
                                bool expert, int64_t row0 = 0, int64_t n_rows = 0) const;

  const GgufFile& file_;
  Backend& backend_;
};

// "blk.<il>.<suffix>", e.g. layer_tensor(3, "attn_q.weight") == "blk.3.attn_q.weight".
std::string layer_tensor(int32_t il, std::string_view suffix);

}  // namespace minke
