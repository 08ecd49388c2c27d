// quantize_model: the tensor-type plan (llama.cpp's mix rules, see quantize_model.h) and the
// slab-by-slab rewrite.
#include "convert/quantize_model.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "core/thread_pool.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "minke/error.h"
#include "quant/quant_traits.h"

namespace minke {
namespace {

constexpr std::array kMixes = {
    QuantMix{"F32", 0, GgmlType::F32},      QuantMix{"F16", 1, GgmlType::F16},
    QuantMix{"BF16", 32, GgmlType::BF16},   QuantMix{"Q8_0", 7, GgmlType::Q8_0},
    QuantMix{"Q4_0", 2, GgmlType::Q4_0},    QuantMix{"Q4_1", 3, GgmlType::Q4_1},
    QuantMix{"Q5_0", 8, GgmlType::Q5_0},    QuantMix{"Q5_1", 9, GgmlType::Q5_1},
    QuantMix{"Q4_K_S", 14, GgmlType::Q4_K}, QuantMix{"Q4_K_M", 15, GgmlType::Q4_K},
    QuantMix{"Q5_K_S", 16, GgmlType::Q5_K}, QuantMix{"Q5_K_M", 17, GgmlType::Q5_K},
    QuantMix{"Q6_K", 18, GgmlType::Q6_K},
};

bool is_float(GgmlType t) {
  return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != s.npos; }

// llama.cpp's broad tensor roles for the mix rules.
enum class Role { Output, TokenEmbd, AttnQkv, AttnV, AttnK, AttnOutput, FfnDown, Other };

Role role_of(std::string_view name) {
  if (name == "output.weight") return Role::Output;
  if (name == "token_embd.weight") return Role::TokenEmbd;
  if (contains(name, "attn_qkv.weight")) return Role::AttnQkv;
  // attn_kv_b carries the values of an MLA model: as sensitive as attn_v.
  if (contains(name, "attn_kv_b.weight") || contains(name, "attn_v.weight")) return Role::AttnV;
  if (contains(name, "attn_k.weight")) return Role::AttnK;
  if (contains(name, "attn_output.weight")) return Role::AttnOutput;
  if (contains(name, "ffn_down")) return Role::FfnDown;
  return Role::Other;
}

// Weights worth quantizing: matrices (or expert stacks) named *weight, except the small ones
// every token reads whole (norms, the expert router) and position tables.
bool allows_quantization(const GgufTensor& t, const QuantizeOptions& options) {
  int n_dims = static_cast<int>(t.dims.size());
  while (n_dims > 1 && t.dims[static_cast<size_t>(n_dims) - 1] == 1) --n_dims;
  const std::string_view name = t.name;
  return n_dims >= 2 && name.ends_with("weight") && !contains(name, "_norm.weight") &&
         (options.quantize_output || name != "output.weight") &&
         !contains(name, "ffn_gate_inp.weight") && name != "position_embd.weight" &&
         name != "token_types.weight";
}

// The layer picks of the _M mixes: the first and last eighth, and every third one between.
bool use_more_bits(int layer, int n_layers) {
  return layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
}

int layer_of(std::string_view name, int fallback) {
  int layer = 0;
  if (name.starts_with("blk.") && std::sscanf(name.data() + 4, "%d", &layer) == 1) return layer;
  return fallback;
}

GgmlType fallback_for(GgmlType wanted, int64_t row, bool* fell_back) {
  const auto fits = [&](GgmlType t) { return row % ggml_type_info(t).block_size == 0; };
  if (fits(wanted)) return wanted;
  *fell_back = true;
  GgmlType next = GgmlType::F16;
  if (wanted == GgmlType::Q4_K) next = GgmlType::Q5_0;
  if (wanted == GgmlType::Q5_K) next = GgmlType::Q5_1;
  if (wanted == GgmlType::Q6_K) next = GgmlType::Q8_0;
  return fits(next) ? next : GgmlType::F16;
}

// The mix's choice for one quantizable tensor (llama_tensor_get_type_impl's rules for the
// mixes Minke offers).
class MixRules {
 public:
  MixRules(const GgufFile& in, const QuantizeOptions& options) : options_(options) {
    const std::string arch(in.get_string("general.architecture", ""));
    n_layer_ = static_cast<int>(in.get_u32(arch + ".block_count", 0));
    n_expert_ = static_cast<int>(in.get_u32(arch + ".expert_count", 0));
    tied_output_ = in.find_tensor("output.weight") == nullptr;
    for (const GgufTensor& t : in.tensors()) n_attn_v_ += role_of(t.name) == Role::AttnV;
  }

  GgmlType choose(const GgufTensor& t) {
    const Role role = role_of(t.name);
    const GgmlType base = options_.mix.base;
    if (role == Role::TokenEmbd && options_.token_embedding_type)
      return *options_.token_embedding_type;
    if (role == Role::Output && options_.output_type) return *options_.output_type;
    if (is_float(base) || options_.pure) return base;
    const std::string_view mix = options_.mix.name;
    const bool k_m = mix == "Q4_K_M" || mix == "Q5_K_M";
    const int layer = layer_of(t.name, 0);
    switch (role) {
      case Role::Output:
      case Role::TokenEmbd:
        if (role == Role::TokenEmbd && !tied_output_) return base;
        if (t.dims[0] % ggml_type_info(base).block_size != 0) return GgmlType::Q8_0;
        return base == GgmlType::Q8_0 ? GgmlType::Q8_0 : GgmlType::Q6_K;
      case Role::AttnQkv:
        if (mix == "Q4_K_M") return GgmlType::Q5_K;
        if (mix == "Q5_K_M") return GgmlType::Q6_K;
        return base;
      case Role::AttnV: {
        GgmlType type = base;
        if (k_m && use_more_bits(i_attn_v_, n_attn_v_)) type = GgmlType::Q6_K;
        if (mix == "Q4_K_S" && i_attn_v_ < 4) type = GgmlType::Q5_K;
        if (n_expert_ == 8) type = GgmlType::Q8_0;
        ++i_attn_v_;
        return type;
      }
      case Role::AttnK:
        return n_expert_ == 8 ? GgmlType::Q8_0 : base;
      case Role::AttnOutput:
        return n_expert_ == 8 && (mix == "Q4_K_S" || mix == "Q4_K_M") ? GgmlType::Q5_K : base;
      case Role::FfnDown:
        if (k_m && use_more_bits(layer, n_layer_)) return GgmlType::Q6_K;
        if (mix == "Q4_K_S" && layer < n_layer_ / 8) return GgmlType::Q5_K;
        return base;
      case Role::Other:
        return base;
    }
    return base;
  }

 private:
  const QuantizeOptions& options_;
  int n_layer_ = 0;
  int n_expert_ = 0;
  bool tied_output_ = false;
  int n_attn_v_ = 0;
  int i_attn_v_ = 0;
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Rows converted per task: about 256 Ki elements, whole rows.
int64_t rows_per_task(int64_t row) { return std::max<int64_t>(1, (int64_t{1} << 18) / row); }

void convert_tensor(const GgufTensor& t, GgmlType to, ThreadPool& pool,
                    const GgufWriter::TensorSink& sink) {
  const QuantTraits& from = quant_traits(t.type);
  const QuantizeRowFn quantize = quantize_row_fn(to);
  const GgmlTypeInfo& to_info = ggml_type_info(to);
  const int64_t row = t.dims[0];
  const int64_t n_rows = static_cast<int64_t>(t.n_elements) / row;
  const size_t in_row_bytes = static_cast<size_t>(row / from.block_size * from.type_size);
  const size_t out_row_bytes = static_cast<size_t>(row / to_info.block_size * to_info.type_size);
  const int64_t task_rows = rows_per_task(row);
  const int64_t slab_rows = task_rows * 4 * pool.n_threads();
  std::vector<std::vector<float>> scratch(static_cast<size_t>(pool.n_threads()),
                                          std::vector<float>(static_cast<size_t>(row)));
  std::vector<uint8_t> out(static_cast<size_t>(std::min(slab_rows, n_rows)) * out_row_bytes);
  for (int64_t first = 0; first < n_rows; first += slab_rows) {
    const int64_t rows = std::min(slab_rows, n_rows - first);
    const int64_t tasks = (rows + task_rows - 1) / task_rows;
    pool.parallel_for(tasks, [&](int64_t task, int thread) {
      float* f32 = scratch[static_cast<size_t>(thread)].data();
      const int64_t end = std::min(rows, (task + 1) * task_rows);
      for (int64_t r = task * task_rows; r < end; ++r) {
        from.dequantize_row(t.data + static_cast<size_t>(first + r) * in_row_bytes, f32, row);
        quantize(f32, out.data() + static_cast<size_t>(r) * out_row_bytes, row);
      }
    });
    sink(std::span<const uint8_t>(out.data(), static_cast<size_t>(rows) * out_row_bytes));
  }
}

}  // namespace

std::optional<QuantMix> find_quant_mix(std::string_view name) {
  std::string key = upper(name);
  if (key == "Q4_K" || key == "Q5_K") key += "_M";
  for (const QuantMix& mix : kMixes) {
    if (mix.name == key) return mix;
  }
  return std::nullopt;
}

std::string quant_mix_list() {
  std::string out;
  for (const QuantMix& mix : kMixes) out += (out.empty() ? "" : ", ") + std::string(mix.name);
  return out;
}

std::vector<TensorQuantPlan> plan_quantization(const GgufFile& in, const QuantizeOptions& options) {
  MixRules rules(in, options);
  std::vector<TensorQuantPlan> plan;
  for (const GgufTensor& t : in.tensors()) {
    TensorQuantPlan p{t.name, t.dims, t.type, t.type};
    if (allows_quantization(t, options)) {
      p.to = fallback_for(rules.choose(t), t.dims[0], &p.fell_back);
    }
    if (p.to != p.from) {
      if (!quant_supported(p.from)) {
        throw Error(in.path() + ": tensor " + t.name + " is " +
                    std::string(ggml_type_name(p.from)) + ", which Minke cannot read back");
      }
      if (!is_float(p.from) && !options.allow_requantize) {
        throw Error(in.path() + ": tensor " + t.name + " is already " +
                    std::string(ggml_type_name(p.from)) +
                    "; quantizing it again loses more than quantizing once: start from an "
                    "F32/F16/BF16 file, or pass --allow-requantize");
      }
      quantize_row_fn(p.to);  // throws when Minke cannot produce the type
    }
    plan.push_back(std::move(p));
  }
  return plan;
}

void quantize_model(const GgufFile& in, const std::string& out_path, const QuantizeOptions& options,
                    const QuantizeProgress& progress) {
  const std::vector<TensorQuantPlan> plan = plan_quantization(in, options);
  GgufWriter writer;
  if (in.alignment() != 32) writer.set_alignment(static_cast<uint32_t>(in.alignment()));
  for (const GgufValue& v : in.metadata()) {
    const std::string& key = v.key();
    if (key == "general.alignment" || key == "general.file_type" ||
        key == "general.quantization_version") {
      continue;
    }
    writer.add(key, GgufWriteValue::copy_of(v));
  }
  writer.add_u32("general.quantization_version", 2);  // ggml's GGML_QNT_VERSION
  writer.add_u32("general.file_type", options.mix.file_type);

  ThreadPool pool(std::max(1, options.threads));
  const std::vector<GgufTensor>& tensors = in.tensors();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const GgufTensor& t = tensors[i];
    const TensorQuantPlan& p = plan[i];
    writer.add_tensor_streamed(t.name, p.to, t.dims, [&, i](const GgufWriter::TensorSink& sink) {
      if (p.to == p.from) {
        sink(std::span<const uint8_t>(t.data, t.n_bytes));
      } else {
        convert_tensor(t, p.to, pool, sink);
      }
      in.release_pages(t.data, t.n_bytes);  // keeps the resident set at about one slab
      if (progress) progress(p, i, tensors.size());
    });
  }
  writer.write_file(out_path);
}

void quantize_model_file(const std::string& in_path, const std::string& out_path,
                         const QuantizeOptions& options,
                         const std::function<void(uint64_t tensor_bytes)>& on_start,
                         const QuantizeProgress& progress) {
  const auto in = GgufFile::open(in_path);
  plan_quantization(*in, options);
  uint64_t bytes = 0;
  for (const GgufTensor& t : in->tensors()) bytes += t.n_bytes;
  if (on_start) on_start(bytes);
  quantize_model(*in, out_path, options, progress);
}

}  // namespace minke
