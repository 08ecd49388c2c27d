// Loading the vocab from GGUF metadata, with llama.cpp's defaults (per tokenizer model and
// pre-tokenizer) and its text-based detection of end-of-turn, fill-in-the-middle and
// end-of-generation tokens.
#include "tokenizer/vocab.h"

#include <array>
#include <utility>

#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "tokenizer/pre_tokenizer.h"

namespace minke {

int32_t Vocab::find(std::string_view text) const {
  auto it = token_to_id.find(text);
  return it == token_to_id.end() ? kNoToken : it->second;
}

void Vocab::merge_key(std::string_view left, std::string_view right, std::string* out) {
  // 0xFF never occurs in UTF-8, so the key is unambiguous for well-formed merges.
  out->assign(left);
  out->push_back('\xFF');
  out->append(right);
}

int32_t Vocab::merge_rank(std::string_view left, std::string_view right,
                          std::string* scratch) const {
  merge_key(left, right, scratch);
  auto it = merge_ranks.find(*scratch);
  return it == merge_ranks.end() ? -1 : it->second;
}

bool Vocab::is_special(int32_t id) const {
  return tokens[id].has(kAttrControl | kAttrUserDefined | kAttrUnknown);
}

uint32_t attr_from_type(TokenType type) {
  switch (type) {
    case TokenType::kNormal:
      return kAttrNormal;
    case TokenType::kUnknown:
      return kAttrUnknown;
    case TokenType::kControl:
      return kAttrControl;
    case TokenType::kUserDefined:
      return kAttrUserDefined;
    case TokenType::kUnused:
      return kAttrUnused;
    case TokenType::kByte:
      return kAttrByte;
    case TokenType::kUndefined:
      break;
  }
  return kAttrUndefined;
}

namespace {

// Token texts llama.cpp recognises (llama-vocab.cpp, "auto-detect special tokens by text").
constexpr std::array kEotTexts = {"<|eot_id|>",    "<|im_end|>",        "<|end|>", "<end_of_turn>",
                                  "<|endoftext|>", "<|end_of_text|>",   "<EOT>",   "_<EOT>",
                                  "[EOT]",         "<end_of_utterance>"};
constexpr std::array kEogTexts = {"<|eot_id|>",
                                  "<|im_end|>",
                                  "<|end|>",
                                  "<|return|>",
                                  "<|call|>",
                                  "<|flush|>",
                                  "<|calls|>",
                                  "<end_of_turn>",
                                  "<|endoftext|>",
                                  "</s>",
                                  "<|eom_id|>",
                                  "<EOT>",
                                  "_<EOT>",
                                  "[EOT]",
                                  "[EOS]",
                                  "<|end_of_text|>",
                                  "<end_of_utterance>",
                                  "<eos>",
                                  "<turn|>",
                                  "<|tool_response>"};
constexpr std::array kFimPreTexts = {"<|fim_prefix|>", "<fim-prefix>",    "<fim_prefix>",
                                     "<PRE>",          "<|code_prefix|>", "<|prefix|>"};
constexpr std::array kFimSufTexts = {"<|fim_suffix|>", "<fim-suffix>",    "<fim_suffix>",
                                     "<SUF>",          "<|code_suffix|>", "<|suffix|>"};
constexpr std::array kFimMidTexts = {"<|fim_middle|>", "<fim-middle>",    "<fim_middle>",
                                     "<MID>",          "<|code_middle|>", "<|middle|>"};
constexpr std::array kFimPadTexts = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
constexpr std::array kFimRepTexts = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
                                     "<reponame>"};
constexpr std::array kFimSepTexts = {"<|file_sep|>"};

// When the metadata leaves `id` unset, takes the first listed text present in the vocab (llama.cpp
// takes the first in hash order; list order is our deterministic choice) and marks it control.
template <size_t N>
void detect(Vocab* v, int32_t* id, const std::array<const char*, N>& texts) {
  if (*id != kNoToken) return;
  for (const char* text : texts) {
    const int32_t found = v->find(text);
    if (found != kNoToken) {
      *id = found;
      v->tokens[found].attr |= kAttrControl;
      return;
    }
  }
}

}  // namespace

void finalize_vocab(Vocab* v) {
  if (v->token_to_id.empty()) {
    v->token_to_id.reserve(v->tokens.size());
    for (int32_t i = 0; i < v->size(); ++i) v->token_to_id[v->tokens[i].text] = i;
  }
  detect(v, &v->eot, kEotTexts);
  detect(v, &v->eom, std::array{"<|eom_id|>"});
  detect(v, &v->fim_pre, kFimPreTexts);
  detect(v, &v->fim_suf, kFimSufTexts);
  detect(v, &v->fim_mid, kFimMidTexts);
  detect(v, &v->fim_pad, kFimPadTexts);
  detect(v, &v->fim_rep, kFimRepTexts);
  detect(v, &v->fim_sep, kFimSepTexts);

  v->eog.clear();
  for (int32_t id : {v->fim_pad, v->fim_rep, v->fim_sep, v->eos, v->eot, v->eom}) {
    if (id != kNoToken) v->eog.insert(id);
  }
  for (const char* text : kEogTexts) {
    const int32_t id = v->find(text);
    if (id == kNoToken) continue;
    v->eog.insert(id);
    v->tokens[id].attr |= kAttrControl;
  }
  // gpt-oss: these structural tokens are always rendered (llama.cpp marks them user-defined).
  for (const char* text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    const int32_t id = v->find(text);
    if (id != kNoToken) v->tokens[id].attr = kAttrUserDefined;
  }
  // o200k_harmony / solar-open: there <|end|> ends a message, not the generation.
  const int32_t end = v->find("<|end|>");
  const bool has_call = v->eog.count(v->find("<|call|>")) || v->eog.count(v->find("<|calls|>"));
  if (end != kNoToken && v->eog.count(end) && has_call &&
      (v->eog.count(v->find("<|return|>")) || v->eog.count(v->find("<|flush|>")))) {
    v->eog.erase(end);
    v->tokens[end].attr = kAttrUserDefined;
  }
  // Gemma 4 / PaddleOCR: with <|tool_response> present, </s> is ordinary text.
  const int32_t s_end = v->find("</s>");
  if (s_end != kNoToken && v->eog.count(s_end) && v->eog.count(v->find("<|tool_response>"))) {
    v->eog.erase(s_end);
    v->tokens[s_end].attr = kAttrNormal;
  }
}

namespace {

std::string where(const GgufFile& f, std::string_view key) {
  return f.path() + ": " + std::string(key);
}

void read_special_id(const GgufFile& f, const Vocab& v, std::string_view key, int32_t* id) {
  const GgufValue* value = f.find(key);
  if (value == nullptr) return;
  const int64_t raw = value->as_i64();
  if (raw < 0 || raw >= v.size()) {
    throw Error(where(f, key) + " = " + std::to_string(raw) + " is not a token id (the vocab has " +
                std::to_string(v.size()) + " tokens)");
  }
  *id = static_cast<int32_t>(raw);
}

}  // namespace

Vocab load_vocab(const GgufFile& f, const VocabOptions& options) {
  Vocab v;
  const GgufValue* model = f.find("tokenizer.ggml.model");
  if (model == nullptr) {
    throw Error(f.path() + ": missing key tokenizer.ggml.model (the file has no tokenizer)");
  }
  v.model_name = std::string(model->as_string());
  if (v.model_name == "gpt2") {
    v.kind = VocabKind::kByteLevelBpe;
    v.bos = 11;  // llama.cpp's defaults when the metadata has no ids
    v.eos = 11;
  } else if (v.model_name == "llama") {
    v.kind = VocabKind::kSentencePiece;
    v.bos = 1;
    v.eos = 2;
    v.unk = 0;
    v.add_space_prefix = true;
    v.add_bos = true;
  } else if (v.model_name == "gemma4") {
    v.kind = VocabKind::kSpaceEscapedBpe;  // no default special ids: the metadata gives them
  } else {
    throw Error(where(f, "tokenizer.ggml.model") + " = '" + v.model_name +
                "' is not supported (supported: gpt2, llama, gemma4)");
  }

  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  if (tokens == nullptr) throw Error(f.path() + ": missing key tokenizer.ggml.tokens");
  const std::vector<std::string_view> texts = tokens->as_string_array();
  if (texts.empty()) throw Error(where(f, "tokenizer.ggml.tokens") + " is empty");
  if (texts.size() > static_cast<size_t>(INT32_MAX)) {
    throw Error(where(f, "tokenizer.ggml.tokens") + " has too many tokens");
  }
  v.tokens.resize(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) v.tokens[i].text = std::string(texts[i]);

  if (const GgufValue* scores = f.find("tokenizer.ggml.scores")) {
    const std::vector<float> s = scores->as_f32_array();
    if (s.size() != texts.size()) {
      throw Error(where(f, "tokenizer.ggml.scores") + " has " + std::to_string(s.size()) +
                  " entries but there are " + std::to_string(texts.size()) + " tokens");
    }
    for (size_t i = 0; i < s.size(); ++i) v.tokens[i].score = s[i];
  }
  if (const GgufValue* types = f.find("tokenizer.ggml.token_type")) {
    const std::vector<int32_t> t = types->as_i32_array();
    if (t.size() != texts.size()) {
      throw Error(where(f, "tokenizer.ggml.token_type") + " has " + std::to_string(t.size()) +
                  " entries but there are " + std::to_string(texts.size()) + " tokens");
    }
    for (size_t i = 0; i < t.size(); ++i) {
      // Unknown type values behave as "undefined" (never rendered, never matched as special).
      v.tokens[i].attr = attr_from_type((t[i] >= 0 && t[i] <= 6) ? static_cast<TokenType>(t[i])
                                                                 : TokenType::kUndefined);
    }
  }

  if (v.kind != VocabKind::kSentencePiece) {
    const GgufValue* merges = f.find("tokenizer.ggml.merges");
    if (merges == nullptr) {
      throw Error(f.path() + ": missing key tokenizer.ggml.merges (needed by a " + v.model_name +
                  " tokenizer)");
    }
    const std::vector<std::string_view> m = merges->as_string_array();
    v.merge_ranks.reserve(m.size());
    std::string key;
    for (size_t i = 0; i < m.size(); ++i) {
      // Split at the first space after the first byte, as llama.cpp does; the first of
      // duplicate merges keeps its rank.
      const size_t pos = m[i].size() > 1 ? m[i].find(' ', 1) : std::string_view::npos;
      std::string_view left, right;
      if (pos != std::string_view::npos) {
        left = m[i].substr(0, pos);
        right = m[i].substr(pos + 1);
      }
      Vocab::merge_key(left, right, &key);
      v.merge_ranks.emplace(key, static_cast<int32_t>(i));
    }
  }
  if (v.kind == VocabKind::kByteLevelBpe) {
    v.pre = options.pre_override.empty()
                ? std::string(f.get_string("tokenizer.ggml.pre", "default"))
                : options.pre_override;
    if (v.pre.empty()) v.pre = "default";
    const PreTokenizerTraits traits = pre_tokenizer_traits(v.pre);  // throws when unknown
    v.ignore_merges = traits.ignore_merges;
    if (traits.add_bos) v.add_bos = true;
  }
  if (!v.valid(v.bos)) v.bos = kNoToken;
  if (!v.valid(v.eos)) v.eos = kNoToken;
  if (!v.valid(v.unk)) v.unk = kNoToken;

  read_special_id(f, v, "tokenizer.ggml.bos_token_id", &v.bos);
  read_special_id(f, v, "tokenizer.ggml.eos_token_id", &v.eos);
  read_special_id(f, v, "tokenizer.ggml.eot_token_id", &v.eot);
  read_special_id(f, v, "tokenizer.ggml.eom_token_id", &v.eom);
  read_special_id(f, v, "tokenizer.ggml.unknown_token_id", &v.unk);
  read_special_id(f, v, "tokenizer.ggml.seperator_token_id", &v.sep);  // sic, GGUF's spelling
  read_special_id(f, v, "tokenizer.ggml.padding_token_id", &v.pad);
  read_special_id(f, v, "tokenizer.ggml.mask_token_id", &v.mask);
  read_special_id(f, v, "tokenizer.ggml.fim_pre_token_id", &v.fim_pre);
  read_special_id(f, v, "tokenizer.ggml.fim_suf_token_id", &v.fim_suf);
  read_special_id(f, v, "tokenizer.ggml.fim_mid_token_id", &v.fim_mid);
  read_special_id(f, v, "tokenizer.ggml.fim_pad_token_id", &v.fim_pad);
  read_special_id(f, v, "tokenizer.ggml.fim_rep_token_id", &v.fim_rep);
  read_special_id(f, v, "tokenizer.ggml.fim_sep_token_id", &v.fim_sep);

  v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix", v.add_space_prefix);
  v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token", v.add_bos);
  v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token", v.add_eos);
  // Gemma 4 always starts with BOS, whatever add_bos_token says (llama.cpp PR 21500).
  if (v.kind == VocabKind::kSpaceEscapedBpe) v.add_bos = true;
  if (v.add_bos && v.bos == kNoToken) {
    throw Error(f.path() + ": the tokenizer adds a BOS token but has no valid BOS id");
  }
  if (v.add_eos && v.eos == kNoToken) {
    throw Error(f.path() + ": the tokenizer adds an EOS token but has no valid EOS id");
  }
  finalize_vocab(&v);
  return v;
}

}  // namespace minke
