// Vocab: the token table of a model (texts, scores, types), BPE merge ranks and special token ids,
// read from GGUF `tokenizer.ggml.*` metadata with the defaults and fix-ups llama.cpp applies, so
// that token ids agree with it exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace minke {

class GgufFile;

inline constexpr int32_t kNoToken = -1;

// Lets maps keyed by std::string be searched with a string_view without allocating.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

// tokenizer.ggml.token_type values (GGUF spec).
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Token attributes (llama.cpp's llama_token_attr): bit flags, because llama.cpp adds CONTROL to
// tokens it recognises by text without dropping what the file said.
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
};
uint32_t attr_from_type(TokenType type);

enum class VocabKind {
  kByteLevelBpe,     // "gpt2": GPT-2 byte mapping, merge ranks, per-model pre-tokenizer
  kSentencePiece,    // "llama": U+2581 spaces, merges by score, <0xXX> byte fallback
  kSpaceEscapedBpe,  // "gemma4": U+2581 spaces, merge ranks, <0xXX> byte fallback
};

struct TokenData {
  std::string text;
  float score = 0.0f;
  uint32_t attr = kAttrNormal;  // TokenAttr flags
  bool has(uint32_t flags) const { return (attr & flags) != 0; }
};

struct Vocab {
  VocabKind kind = VocabKind::kByteLevelBpe;
  std::string model_name;  // tokenizer.ggml.model ("gpt2", "llama" or "gemma4")
  std::string pre;         // pre-tokenizer type in effect (byte-level BPE only)
  std::vector<TokenData> tokens;
  StringMap token_to_id;  // on duplicate texts the last id wins
  StringMap merge_ranks;  // key: merge_key(left, right); BPE kinds only

  int32_t bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken;
  int32_t pad = kNoToken, sep = kNoToken, mask = kNoToken;
  int32_t fim_pre = kNoToken, fim_suf = kNoToken, fim_mid = kNoToken, fim_pad = kNoToken;
  int32_t fim_rep = kNoToken, fim_sep = kNoToken;
  std::unordered_set<int32_t> eog;  // end-of-generation ids

  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;  // SentencePiece: prepend " " to text after BOS/special tokens
  bool ignore_merges = false;     // BPE: a pre-token that is a whole vocab entry skips merging

  int32_t size() const { return static_cast<int32_t>(tokens.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < size(); }
  int32_t find(std::string_view text) const;  // kNoToken when absent
  // Ranks are looked up many times per word: callers pass a scratch string to avoid allocation.
  int32_t merge_rank(std::string_view left, std::string_view right, std::string* scratch) const;
  static void merge_key(std::string_view left, std::string_view right, std::string* out);

  bool is_control(int32_t id) const { return tokens[id].has(kAttrControl); }
  // Tokens that the special-token partition can match (control, user-defined, unknown).
  bool is_special(int32_t id) const;
};

struct VocabOptions {
  std::string pre_override;  // non-empty: use this pre-tokenizer instead of tokenizer.ggml.pre
};

// Reads and validates the vocab; throws minke::Error naming the file and the bad key.
Vocab load_vocab(const GgufFile& gguf, const VocabOptions& options = {});

// Applies the per-vocab rules that do not depend on the file format (token types overridden by
// text, end-of-generation set). Exposed so tests can build a Vocab by hand.
void finalize_vocab(Vocab* vocab);

}  // namespace minke
