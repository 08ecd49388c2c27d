// read_model_file_info: see model_file_info.h.
#include "engine/model_file_info.h"

#include <algorithm>

#include "backend/cpu/cpu_backend.h"
#include "engine/model_setup.h"
#include "gguf/file_type.h"
#include "gguf/gguf_file.h"
#include "kernels/kernel_table.h"
#include "minke/error.h"
#include "models/model.h"

namespace minke {
namespace {

std::string tokenizer_summary(const GgufFile& f) {
  const std::string_view model = f.get_string("tokenizer.ggml.model", "");
  if (model.empty()) return "none";
  std::string kind = model == "gpt2"     ? "byte-level BPE (gpt2)"
                     : model == "llama"  ? "SentencePiece BPE (llama)"
                     : model == "gemma4" ? "space-escaped BPE with byte fallback (gemma4)"
                                         : std::string(model);
  const std::string_view pre = f.get_string("tokenizer.ggml.pre", "");
  if (!pre.empty() && model == "gpt2") kind += ", pre-tokenizer " + std::string(pre);
  if (const GgufValue* tokens = f.find("tokenizer.ggml.tokens")) {
    kind += ", " + std::to_string(tokens->array_size()) + " tokens";
  }
  return kind;
}

// Binds the model on the reference kernels (which repack nothing) to ask it what its KV cache
// keeps per token; nothing runs.
void ask_model(const GgufFile& f, ModelFileInfo& info) {
  try {
    const auto backend = make_cpu_backend({.n_threads = 1, .kernels = &ref_kernels()});
    const auto model = load_model(f, *backend);
    const KvFootprint f = kv_footprint(*model);
    info.kv_bytes_per_token = f.per_token;
    info.kv_window_bytes_per_token = f.window_per_token;
    info.kv_window_tokens = window_pool_blocks(f, EngineOptions{}) * EngineOptions{}.block_size;
    info.state_bytes_per_seq = model->recurrent_state_floats() * 4;
    info.config = model->config();
  } catch (const Error& e) {
    info.load_error = e.what();
  }
}

// A per-layer count: one number, or an array's distinct values in order of first appearance
// ("16/4": Gemma 4's sliding and global layers' KV heads).
std::string per_layer_display(const GgufValue& v) {
  if (v.type() != GgufValueType::ARRAY) return v.to_display_string();
  std::vector<int64_t> seen;
  try {
    for (uint64_t i = 0; i < v.array_size(); ++i) {
      const int64_t n = v.array_at(i).as_i64();
      if (std::find(seen.begin(), seen.end(), n) == seen.end()) seen.push_back(n);
    }
  } catch (const Error&) {
    return v.to_display_string();  // not an array of integers
  }
  std::string s;
  for (const int64_t n : seen) s += (s.empty() ? "" : "/") + std::to_string(n);
  return s;
}

}  // namespace

ModelFileInfo read_model_file_info(const std::string& path) {
  const auto f = GgufFile::open(path);
  ModelFileInfo info{.path = f->path(),
                     .file_size = f->file_size(),
                     .version = f->version(),
                     .name = std::string(f->get_string("general.name", "")),
                     .architecture = std::string(f->get_string("general.architecture", "unknown"))};
  if (const GgufValue* ft = f->find("general.file_type")) {
    info.file_type = file_type_name(ft->as_u32());
  }
  for (const GgufTensor& t : f->tensors()) {
    info.tensors.push_back({.name = t.name,
                            .type = std::string(ggml_type_name(t.type)),
                            .dims = t.dims,
                            .n_elements = t.n_elements,
                            .n_bytes = t.n_bytes});
  }
  for (const GgufValue& v : f->metadata()) {
    info.metadata.push_back({.key = v.key(), .value = v.to_display_string()});
  }
  const auto key = [&](const char* suffix) { return info.architecture + "." + suffix; };
  const auto number = [&](const char* suffix) {
    const GgufValue* v = f->find(key(suffix));
    return v == nullptr ? std::string() : std::to_string(v->as_u64());
  };
  const auto display = [&](const char* suffix) {
    const GgufValue* v = f->find(key(suffix));
    return v == nullptr ? std::string() : per_layer_display(*v);
  };
  info.context_length = number("context_length");
  info.block_count = number("block_count");
  info.embedding_length = number("embedding_length");
  info.head_count = display("attention.head_count");
  info.head_count_kv = display("attention.head_count_kv");
  info.feed_forward_length = display("feed_forward_length");
  const GgufValue* train = f->find(key("context_length"));
  info.default_context = default_context(
      train != nullptr && train->array_size() == 0
          ? static_cast<int32_t>(std::min<uint64_t>(train->as_u64(), kDefaultContext))
          : 0);
  if (!f->tensors().empty()) ask_model(*f, info);
  info.tokenizer = tokenizer_summary(*f);
  info.chat_template_chars = f->get_string("tokenizer.chat_template", "").size();
  return info;
}

}  // namespace minke
