// WeightBinder: tensor lookup with shape/type validation (see weights.h).
#include "models/blocks/weights.h"

#include "core/check.h"
#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "quant/quant_traits.h"

namespace minke {
namespace {

std::string shape_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

}  // namespace

std::string layer_tensor(int32_t il, std::string_view suffix) {
  return "blk." + std::to_string(il) + "." + std::string(suffix);
}

bool WeightBinder::has(std::string_view name) const { return file_.find_tensor(name) != nullptr; }

const GgufTensor& WeightBinder::find(const std::string& name) const {
  const GgufTensor* t = file_.find_tensor(name);
  if (t == nullptr) throw Error(file_.path() + ": missing tensor " + name);
  return *t;
}

void WeightBinder::check_shape(const GgufTensor& t, const std::vector<int64_t>& want) const {
  // As in ggml, trailing dimensions of 1 change nothing: [n] and [n, 1] are one shape (a
  // converter may write a [1, n] matrix as either).
  const auto trimmed = [](std::vector<int64_t> d) {
    while (d.size() > 1 && d.back() == 1) d.pop_back();
    return d;
  };
  if (trimmed(t.dims) != trimmed(want)) {
    throw Error(file_.path() + ": tensor " + t.name + " has shape " + shape_string(t.dims) +
                ", expected " + shape_string(want));
  }
}

void WeightBinder::check_matmul_type(const GgufTensor& t) const {
  if (!backend_.supports(t.type)) {
    throw Error(file_.path() + ": tensor " + t.name + " has type " +
                std::string(ggml_type_name(t.type)) + ", which the " +
                std::string(backend_.name()) + " backend does not support yet");
  }
}

WeightView WeightBinder::bind(const GgufTensor& t, int64_t rows, int64_t cols,
                              bool is_matrix) const {
  // GGUF lists the innermost dimension first: a [rows, cols] matrix is ne = [cols, rows].
  // A 1-D weight is ne = [cols]; several of them (rows > 1) a 2-D F32 tensor.
  check_shape(
      t, is_matrix || rows > 1 ? std::vector<int64_t>{cols, rows} : std::vector<int64_t>{cols});
  if (!is_matrix && t.type != GgmlType::F32) {
    throw Error(file_.path() + ": tensor " + t.name + " has type " +
                std::string(ggml_type_name(t.type)) + ", expected F32");
  }
  if (is_matrix) check_matmul_type(t);
  return {t.type, t.data, rows, cols};
}

WeightView WeightBinder::matrix_rows(const std::string& name, int64_t rows, int64_t cols,
                                     int64_t row0, int64_t n) const {
  const WeightView w = bind(find(name), rows, cols, true);
  MINKE_CHECK(row0 >= 0 && n > 0 && row0 + n <= rows);
  const size_t row_bytes = static_cast<size_t>(cols / ggml_type_info(w.type).block_size) *
                           ggml_type_info(w.type).type_size;
  const auto* data = static_cast<const uint8_t*>(w.data) + static_cast<size_t>(row0) * row_bytes;
  return prepare({w.type, data, n, cols});
}

std::vector<float> WeightBinder::dequantized(const std::string& name, int64_t rows,
                                             int64_t cols) const {
  const GgufTensor& t = find(name);
  check_shape(t, {cols, rows});
  const GgmlTypeInfo& info = ggml_type_info(t.type);
  const size_t row_bytes = static_cast<size_t>(cols / info.block_size) * info.type_size;
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    quant_traits(t.type).dequantize_row(static_cast<const uint8_t*>(t.data) + r * row_bytes,
                                        out.data() + r * cols, cols);
  }
  return out;
}

WeightView WeightBinder::f32_matrix(const float* data, int64_t rows, int64_t cols) const {
  return prepare({GgmlType::F32, data, rows, cols});
}

std::vector<WeightView> WeightBinder::slabs(const std::string& name, int64_t n, int64_t rows,
                                            int64_t cols, bool expert, int64_t row0,
                                            int64_t n_rows) const {
  const GgufTensor& t = find(name);
  check_shape(t, {cols, rows, n});
  check_matmul_type(t);
  if (n_rows == 0) n_rows = rows;
  MINKE_CHECK(row0 >= 0 && n_rows > 0 && row0 + n_rows <= rows);
  const GgmlTypeInfo& info = ggml_type_info(t.type);  // rows are whole blocks (gguf_parser)
  const size_t row_bytes = static_cast<size_t>(cols / info.block_size) * info.type_size;
  const size_t slab = static_cast<size_t>(rows) * row_bytes;
  std::vector<WeightView> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t e = 0; e < n; ++e) {
    const auto* data = static_cast<const uint8_t*>(t.data) + static_cast<size_t>(e) * slab +
                       static_cast<size_t>(row0) * row_bytes;
    const WeightView w{t.type, data, n_rows, cols};
    out.push_back(expert ? backend_.prepare_expert(w, release_fn()) : prepare(w));
  }
  return out;
}

std::vector<WeightView> WeightBinder::experts(const std::string& name, int64_t n_expert,
                                              int64_t rows, int64_t cols) const {
  return slabs(name, n_expert, rows, cols, true);
}

std::vector<WeightView> WeightBinder::expert_rows(const std::string& name, int64_t n_expert,
                                                  int64_t rows, int64_t cols, int64_t row0,
                                                  int64_t n) const {
  return slabs(name, n_expert, rows, cols, true, row0, n);
}

std::vector<WeightView> WeightBinder::heads(const std::string& name, int64_t n_head, int64_t rows,
                                            int64_t cols) const {
  return slabs(name, n_head, rows, cols, false);
}

WeightView WeightBinder::matrix(const std::string& name, int64_t rows, int64_t cols) const {
  return prepare(bind(find(name), rows, cols, true));
}

Backend::SourceRelease WeightBinder::release_fn() const {
  return [this](const void* p, size_t n) { file_.release_pages(p, n); };
}

WeightView WeightBinder::prepare(const WeightView& w) const {
  return backend_.prepare_weight(w, release_fn());
}

WeightView WeightBinder::table(const std::string& name, int64_t rows, int64_t cols) const {
  return bind(find(name), rows, cols, true);
}

WeightView WeightBinder::tied_matrix(const WeightView& table) const { return prepare(table); }

WeightView WeightBinder::vector(const std::string& name, int64_t n) const {
  return bind(find(name), 1, n, false);
}

std::vector<WeightView> WeightBinder::optional_vectors(const std::string& name, int64_t n,
                                                       int64_t len) const {
  if (!has(name)) return {};
  const WeightView all = bind(find(name), n, len, false);  // F32, ne = [len, n]
  std::vector<WeightView> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    out.push_back({GgmlType::F32, static_cast<const float*>(all.data) + i * len, 1, len});
  }
  return out;
}

std::optional<WeightView> WeightBinder::optional_matrix(const std::string& name, int64_t rows,
                                                        int64_t cols) const {
  if (!has(name)) return std::nullopt;
  return matrix(name, rows, cols);
}

std::optional<WeightView> WeightBinder::optional_vector(const std::string& name, int64_t n) const {
  if (!has(name)) return std::nullopt;
  return vector(name, n);
}

}  // namespace minke
