// `minke info`: what a GGUF model file holds (architecture, size, quantization
// mix, context, tokenizer, chat template). Reads metadata only; works on
// vocabulary-only files too.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "command.h"
#include "engine/host_info.h"
#include "format.h"
#include "gguf/file_type.h"
#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "validators.h"

namespace minke::cli {
namespace {

struct InfoOptions {
  std::string model;
  bool metadata = false;
  bool tensors = false;
  int32_t ctx_size = 0;
};

// Memory to run the model: weights (mapped, used in place) plus the f16 KV cache, whose size
// follows from the attention shape in the metadata.
void print_memory(const GgufFile& f, uint64_t weight_bytes, int32_t ctx_size) {
  const std::string arch(f.get_string("general.architecture", "unknown"));
  const auto u64 = [&](const std::string& key) -> int64_t {
    const GgufValue* v = f.find(arch + "." + key);
    return v != nullptr && v->array_size() == 0 ? static_cast<int64_t>(v->as_u64()) : 0;
  };
  const int64_t n_layer = u64("block_count"), n_head = u64("attention.head_count");
  const int64_t n_head_kv =
      u64("attention.head_count_kv") > 0 ? u64("attention.head_count_kv") : n_head;
  int64_t head_dim = u64("attention.key_length");
  if (head_dim == 0 && n_head > 0) head_dim = u64("embedding_length") / n_head;
  if (n_layer == 0 || n_head_kv == 0 || head_dim == 0) return;
  const int64_t per_token = KvCache::bytes_per_token(
      static_cast<int32_t>(n_layer), KvLayout{.block_size = 16,
                                              .n_head_kv = static_cast<int32_t>(n_head_kv),
                                              .head_dim = static_cast<int32_t>(head_dim)});
  const int64_t train = u64("context_length");
  const int64_t ctx = ctx_size > 0 ? ctx_size : std::min<int64_t>(4096, train > 0 ? train : 4096);
  const uint64_t kv = static_cast<uint64_t>(per_token * ctx);
  print_field("memory", human_bytes(weight_bytes + kv) + " for a " + std::to_string(ctx) +
                            "-token context: weights " + human_bytes(weight_bytes) +
                            " + KV cache " + human_bytes(kv) + " (" +
                            human_bytes(static_cast<uint64_t>(per_token)) + " per token)");
}

std::string tokenizer_summary(const GgufFile& f) {
  const std::string_view model = f.get_string("tokenizer.ggml.model", "");
  if (model.empty()) return "none";
  std::string kind = model == "gpt2"    ? "byte-level BPE (gpt2)"
                     : model == "llama" ? "SentencePiece BPE (llama)"
                                        : std::string(model);
  const std::string_view pre = f.get_string("tokenizer.ggml.pre", "");
  if (!pre.empty() && model == "gpt2") kind += ", pre-tokenizer " + std::string(pre);
  if (const GgufValue* tokens = f.find("tokenizer.ggml.tokens")) {
    kind += ", " + std::to_string(tokens->array_size()) + " tokens";
  }
  return kind;
}

void print_summary(const GgufFile& f, int32_t ctx_size) {
  const std::string arch(f.get_string("general.architecture", "unknown"));
  const auto key = [&](const char* suffix) { return arch + "." + suffix; };
  uint64_t n_params = 0, tensor_bytes = 0;
  std::map<std::string, std::pair<int, uint64_t>> mix;  // type -> (count, bytes)
  for (const GgufTensor& t : f.tensors()) {
    n_params += t.n_elements;
    tensor_bytes += t.n_bytes;
    auto& [count, bytes] = mix[std::string(ggml_type_name(t.type))];
    ++count;
    bytes += t.n_bytes;
  }
  print_field("file", f.path() + " (" + human_bytes(f.file_size()) + ", GGUF v" +
                          std::to_string(f.version()) + ")");
  const std::string_view name = f.get_string("general.name", "");
  if (!name.empty()) print_field("name", std::string(name));
  print_field("architecture", arch);
  if (f.tensors().empty()) {
    print_field("tensors", "none (vocabulary-only file)");
  } else {
    print_field("parameters", human_count(n_params) + " in " + std::to_string(f.tensors().size()) +
                                  " tensors (" + human_bytes(tensor_bytes) + ")");
    std::string quant;
    if (const GgufValue* ft = f.find("general.file_type")) {
      quant = file_type_name(ft->as_u32()) + "; ";
    }
    for (const auto& [type, cb] : mix) {
      if (quant.size() > 0 && quant.back() != ' ') quant += ", ";
      quant += type + " x" + std::to_string(cb.first) + " (" + human_bytes(cb.second) + ")";
    }
    print_field("quantization", quant);
  }
  if (const GgufValue* v = f.find(key("context_length"))) {
    print_field("context length", std::to_string(v->as_u64()));
  }
  if (const GgufValue* v = f.find(key("block_count"))) {
    std::string shape = std::to_string(v->as_u64()) + " layers";
    if (const GgufValue* e = f.find(key("embedding_length"))) {
      shape += ", embedding " + std::to_string(e->as_u64());
    }
    if (const GgufValue* h = f.find(key("attention.head_count"))) {
      shape += ", " + h->to_display_string() + " heads";
      if (const GgufValue* kv = f.find(key("attention.head_count_kv"))) {
        shape += " (" + kv->to_display_string() + " kv)";
      }
    }
    if (const GgufValue* ff = f.find(key("feed_forward_length"))) {
      shape += ", feed-forward " + ff->to_display_string();
    }
    print_field("shape", shape);
  }
  if (!f.tensors().empty()) print_memory(f, tensor_bytes, ctx_size);
  print_field("tokenizer", tokenizer_summary(f));
  const std::string_view tmpl = f.get_string("tokenizer.chat_template", "");
  print_field("chat template",
              tmpl.empty() ? "none" : "yes (" + std::to_string(tmpl.size()) + " characters)");
}

// The kernel path this binary would run the model on (MINKE_KERNELS forces a lower one).
void print_kernels(const HostInfo& host) {
  std::string cpu = host.cpu_model.empty() ? "unknown" : host.cpu_model;
  cpu += ", " + std::to_string(host.physical_cores) + " physical cores";
  if (!host.cpu_features.empty()) cpu += ", features " + host.cpu_features;
  print_field("kernels", host.kernel_path + " (cpu: " + cpu + ")");
}

int run_info(const InfoOptions& opts) {
  const HostInfo host = host_info();  // a bad MINKE_KERNELS fails before any output
  const auto file = GgufFile::open(opts.model);
  print_summary(*file, opts.ctx_size);
  print_kernels(host);
  if (opts.metadata) {
    std::printf("\nmetadata (%zu keys):\n", file->metadata().size());
    for (const GgufValue& v : file->metadata()) {
      std::printf("  %-48s %s\n", v.key().c_str(), v.to_display_string().c_str());
    }
  }
  if (opts.tensors) {
    std::printf("\ntensors (%zu):\n", file->tensors().size());
    for (const GgufTensor& t : file->tensors()) {
      std::string dims;
      for (int64_t d : t.dims) dims += (dims.empty() ? "" : " x ") + std::to_string(d);
      std::printf("  %-40s %-6s [%s]\n", t.name.c_str(),
                  std::string(ggml_type_name(t.type)).c_str(), dims.c_str());
    }
  }
  return 0;
}

}  // namespace

Command add_info_command(CLI::App& app) {
  auto opts = std::make_shared<InfoOptions>();
  CLI::App* sub = app.add_subcommand("info", "Show what a GGUF model file holds");
  sub->add_option("-m,--model", opts->model, "GGUF model file")->required()->type_name("FILE");
  sub->add_flag("--metadata", opts->metadata, "Also list every metadata key and value");
  sub->add_option("-c,--ctx-size", opts->ctx_size,
                  "Context size for the memory estimate (default: min(4096, the model's))")
      ->type_name("N")
      ->check(int_in(1, 1 << 24));
  sub->add_flag("--tensors", opts->tensors, "Also list every tensor with its type and shape");
  return {sub, [opts] { return run_info(*opts); }};
}

}  // namespace minke::cli
