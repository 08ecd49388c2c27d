// `minke info`: what a GGUF model file holds (architecture, size, quantization
// mix, context, tokenizer, chat template) and what running it takes. Reads metadata
// (the model is bound, never run); works on vocabulary-only files too.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "command.h"
#include "engine/host_info.h"
#include "engine/model_file_info.h"
#include "format.h"
#include "output_file.h"
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
// per token the model reports.
void print_memory(const ModelFileInfo& info, uint64_t weight_bytes, int32_t ctx_size) {
  if (info.kv_bytes_per_token <= 0 && info.kv_window_bytes_per_token <= 0) {
    print_field("memory", "unknown (" + info.load_error + ")");
    return;
  }
  const int64_t ctx = ctx_size > 0 ? ctx_size : info.default_context;
  // The sliding-window layers keep at most a window plus one step of it.
  const int64_t window_tokens = std::min<int64_t>(ctx, info.kv_window_tokens);
  const uint64_t window = static_cast<uint64_t>(info.kv_window_bytes_per_token * window_tokens);
  const uint64_t kv = static_cast<uint64_t>(info.kv_bytes_per_token * ctx) + window;
  const auto state = static_cast<uint64_t>(info.state_bytes_per_seq);
  print_field("memory",
              human_bytes(weight_bytes + kv + state) + " for a " + std::to_string(ctx) +
                  "-token context: weights " + human_bytes(weight_bytes) + " + KV cache " +
                  human_bytes(kv) + " (" +
                  human_bytes(static_cast<uint64_t>(info.kv_bytes_per_token)) + " per token" +
                  (window > 0 ? "; the sliding-window layers " + human_bytes(window) +
                                    " for their last " + std::to_string(window_tokens) + " tokens"
                              : "") +
                  ")" +
                  (state > 0 ? " + recurrent state " + human_bytes(state) +
                                   " (per sequence, whatever its length)"
                             : ""));
}

// Multi-head Latent Attention and mixture-of-experts parameters, when the model has them.
void print_architecture(const ModelFileInfo& f) {
  const ModelConfig& c = f.config;
  if (c.kv_lora_rank > 0) {
    const int64_t latent = int64_t{c.kv_lora_rank} + c.qk_rope_dim;
    // What caching every head's keys and values would take instead (f16).
    const int64_t full = int64_t{c.n_head} * (c.head_dim + c.v_head_dim);
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.1f", static_cast<double>(full) / latent);
    print_field(
        "attention",
        "multi-head latent: kv_lora_rank " + std::to_string(c.kv_lora_rank) + ", q_lora_rank " +
            (c.q_lora_rank > 0 ? std::to_string(c.q_lora_rank) : std::string("none")) +
            ", per head " + std::to_string(c.head_dim - c.qk_rope_dim) + " + " +
            std::to_string(c.qk_rope_dim) + " RoPE query/key, " + std::to_string(c.v_head_dim) +
            " value; the cache keeps " + std::to_string(latent) +
            " values per token and layer, 1/" + ratio + " of full K/V");
  }
  if (c.sliding_window > 0 || c.attention_sinks) {
    std::string a;
    if (c.sliding_window > 0) {
      a = "sliding window of " + std::to_string(c.sliding_window) + " tokens in " +
          std::to_string(c.n_layer_sliding) + " of " + std::to_string(c.n_layer) +
          " layers, the others the whole context";
    }
    if (c.attention_sinks) a += std::string(a.empty() ? "" : "; ") + "a learned sink per head";
    if (c.n_layer_kv_shared > 0) {
      a += "; the last " + std::to_string(c.n_layer_kv_shared) +
           " layers reuse the K/V of earlier layers";
    }
    print_field("attention", a);
  }
  if (c.n_embd_per_layer > 0) {
    print_field("per-layer input", std::to_string(c.n_embd_per_layer) +
                                       " values per layer and token from a second embedding table");
  }
  if (c.final_logit_softcap > 0.0f) {
    char cap[32];
    std::snprintf(cap, sizeof cap, "%g", static_cast<double>(c.final_logit_softcap));
    print_field("logits", std::string("soft-capped at ") + cap);
  }
  if (c.n_layer_recurrent > 0) {
    print_field("recurrent", "Gated DeltaNet in " + std::to_string(c.n_layer_recurrent) + " of " +
                                 std::to_string(c.n_layer) + " layers (" +
                                 std::to_string(c.ssm_n_k_heads) + " key and " +
                                 std::to_string(c.ssm_n_v_heads) + " value heads of " +
                                 std::to_string(c.ssm_head_dim) + ", convolution width " +
                                 std::to_string(c.ssm_conv_width) + "); the others full attention");
  }
  if (c.n_expert > 0) {
    std::string e = std::to_string(c.n_expert) + " routed (" + std::to_string(c.n_expert_used) +
                    " per token, " + c.expert_routing + ")";
    if (c.n_expert_shared > 0) e += " + " + std::to_string(c.n_expert_shared) + " shared";
    e += ", " + std::to_string(c.n_ff_exp) + " hidden each";
    if (c.n_layer_dense > 0) {
      e += "; first " + std::to_string(c.n_layer_dense) +
           (c.n_layer_dense == 1 ? " layer" : " layers") + " dense";
    }
    print_field("experts", e);
  }
  if (c.n_layer_mtp > 0) {  // block_count ("shape") counts them
    print_field("mtp", "the last " + std::to_string(c.n_layer_mtp) + " of the " +
                           std::to_string(c.n_layer + c.n_layer_mtp) +
                           " blocks predict further tokens (nextn); generation runs the other " +
                           std::to_string(c.n_layer));
  }
}

void print_summary(const ModelFileInfo& f, int32_t ctx_size) {
  uint64_t n_params = 0, tensor_bytes = 0;
  std::map<std::string, std::pair<int, uint64_t>> mix;  // type -> (count, bytes)
  for (const ModelFileInfo::Tensor& t : f.tensors) {
    n_params += t.n_elements;
    tensor_bytes += t.n_bytes;
    auto& [count, bytes] = mix[t.type];
    ++count;
    bytes += t.n_bytes;
  }
  print_field("file", f.path + " (" + human_bytes(f.file_size) + ", GGUF v" +
                          std::to_string(f.version) + ")");
  if (!f.name.empty()) print_field("name", f.name);
  print_field("architecture", f.architecture);
  if (f.tensors.empty()) {
    print_field("tensors", "none (vocabulary-only file)");
  } else {
    print_field("parameters", human_count(n_params) + " in " + std::to_string(f.tensors.size()) +
                                  " tensors (" + human_bytes(tensor_bytes) + ")");
    std::string quant;
    if (!f.file_type.empty()) quant = f.file_type + "; ";
    for (const auto& [type, cb] : mix) {
      if (quant.size() > 0 && quant.back() != ' ') quant += ", ";
      quant += type + " x" + std::to_string(cb.first) + " (" + human_bytes(cb.second) + ")";
    }
    print_field("quantization", quant);
  }
  if (!f.context_length.empty()) print_field("context length", f.context_length);
  if (!f.block_count.empty()) {
    std::string shape = f.block_count + " layers";
    if (!f.embedding_length.empty()) shape += ", embedding " + f.embedding_length;
    if (!f.head_count.empty()) {
      shape += ", " + f.head_count + " heads";
      if (!f.head_count_kv.empty()) shape += " (" + f.head_count_kv + " kv)";
    }
    if (!f.feed_forward_length.empty()) shape += ", feed-forward " + f.feed_forward_length;
    print_field("shape", shape);
  }
  print_architecture(f);
  if (!f.tensors.empty()) print_memory(f, tensor_bytes, ctx_size);
  print_field("tokenizer", f.tokenizer);
  print_field("chat template",
              f.chat_template_chars == 0
                  ? "none"
                  : "yes (" + std::to_string(f.chat_template_chars) + " characters)");
}

// The kernel path this binary would run the model on (MINKE_KERNELS forces a lower one).
void print_kernels(const HostInfo& host) {
  std::string cpu = host.cpu_model.empty() ? "unknown" : host.cpu_model;
  cpu += ", " + std::to_string(host.physical_cores) + " physical cores";
  if (!host.cpu_features.empty()) cpu += ", features " + host.cpu_features;
  std::string path = host.kernel_path;
  if (host.weight_prefetch != 0) {
    path += ", decode prefetch " + std::to_string(host.weight_prefetch) + " B";
  }
  print_field("kernels", path + " (cpu: " + cpu + ")");
}

int run_info(const InfoOptions& opts) {
  const HostInfo host = host_info();  // a bad MINKE_KERNELS fails before any output
  const ModelFileInfo file = read_model_file_info(opts.model);
  print_summary(file, opts.ctx_size);
  print_kernels(host);
  if (opts.metadata) {
    std::printf("\nmetadata (%zu keys):\n", file.metadata.size());
    for (const ModelFileInfo::MetadataEntry& v : file.metadata) {
      std::printf("  %-48s %s\n", terminal_safe(v.key).c_str(), terminal_safe(v.value).c_str());
    }
  }
  if (opts.tensors) {
    std::printf("\ntensors (%zu):\n", file.tensors.size());
    for (const ModelFileInfo::Tensor& t : file.tensors) {
      std::printf("  %-40s %-6s [%s]\n", terminal_safe(t.name).c_str(), t.type.c_str(),
                  dims_text(t.dims).c_str());
    }
  }
  return 0;
}

}  // namespace

Command add_info_command(CLI::App& app) {
  auto opts = std::make_shared<InfoOptions>();
  CLI::App* sub = app.add_subcommand("info", "Show what a GGUF model file holds");
  sub->add_option("-m,--model", opts->model,
                  "GGUF model file, or the name of one `minke pull` stored")
      ->transform(model_path())
      ->required()
      ->type_name("FILE");
  sub->add_flag("--metadata", opts->metadata, "Also list every metadata key and value");
  sub->add_option("-c,--ctx-size", opts->ctx_size,
                  "Context size for the memory estimate (default: min(4096, the model's))")
      ->type_name("N")
      ->check(int_in(1, 1 << 24));
  sub->add_flag("--tensors", opts->tensors, "Also list every tensor with its type and shape");
  return {sub, [opts] { return run_info(*opts); }};
}

}  // namespace minke::cli
