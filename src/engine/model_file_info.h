// What `minke info` shows about a GGUF file: header, metadata, tensors, the hyper-parameters'
// keys, the tokenizer and chat template, and what the KV cache takes per token (asked of the
// model itself, bound without running anything). Works on vocabulary-only files too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/model.h"

namespace minke {

struct ModelFileInfo {
  struct Tensor {
    std::string name;
    std::string type;           // "Q4_K", "F32", ...
    std::vector<int64_t> dims;  // dims[0] innermost
    uint64_t n_elements = 0;
    uint64_t n_bytes = 0;
  };
  struct MetadataEntry {
    std::string key;
    std::string value;  // display form
  };

  std::string path;
  uint64_t file_size = 0;
  uint32_t version = 0;
  std::string name;          // general.name; may be empty
  std::string architecture;  // general.architecture; "unknown" when absent
  std::string file_type;     // general.file_type's name ("Q4_K_M"); empty when absent
  std::vector<Tensor> tensors;
  std::vector<MetadataEntry> metadata;

  // "<arch>.*" keys in display form; empty when absent.
  std::string context_length, block_count, embedding_length, head_count, head_count_kv,
      feed_forward_length;

  // KV cache bytes a token takes over all layers (the model's own cache spec); 0 when the
  // model cannot be bound, and then load_error says why.
  int64_t kv_bytes_per_token = 0;  // of the layers that keep the whole context
  // Sliding-window layers: bytes per token of theirs, and the tokens they keep per sequence
  // (a window plus one step; 0: no such layers).
  int64_t kv_window_bytes_per_token = 0;
  int32_t kv_window_tokens = 0;
  int64_t state_bytes_per_seq = 0;  // recurrent state a sequence keeps (hybrid models), else 0
  std::string load_error;
  ModelConfig config;           // the bound model's hyper-parameters (when it binds)
  int32_t default_context = 0;  // the context a run uses when none is given

  std::string tokenizer;  // "byte-level BPE (gpt2), pre-tokenizer smollm, 49152 tokens"; "none"
  size_t chat_template_chars = 0;  // 0: no chat template
};

// Throws minke::Error for a file that is not valid GGUF.
ModelFileInfo read_model_file_info(const std::string& path);

}  // namespace minke
