// add_hf_tokenizer. The rules are llama.cpp's converter's (conversion/base.py get_vocab_base and
// _set_vocab_gpt2, gguf-py vocab.py SpecialVocab), restated:
// - ids 0..max(config vocab_size, tokenizer size)-1; an id no token has is "[PAD<id>]", UNUSED;
//   an added token is CONTROL when special (or shaped like <|...|>), else USER_DEFINED; the rest
//   NORMAL;
// - merges as "a b" (pairs from newer tokenizer.json files are joined, spaces inside a part
//   written as U+0120);
// - bos/eos/unk/pad: tokenizer_config's *_token looked up in added_tokens, else config.json's
//   integer *_token_id;
// - add_bos/add_eos from the post-processor (TemplateProcessing starting with BOS / ending with
//   EOS), else tokenizer_config's add_*_token;
// - tokenizer.ggml.pre: llama.cpp hashes a test string's encoding; Minke recognises the
//   pre-tokenizer itself (its Split regexes, Digits and ByteLevel steps), which names the same
//   types for the families it runs and refuses, by name, one it does not know.
// - Gemma 4's space-escaped BPE (a BPE model with byte_fallback; conversion/gemma.py, gguf-py
//   LlamaHfVocab): tokenizer.ggml.model "gemma4" and no pre; texts as stored (with U+2581);
//   scores -1000; types BYTE for <0xXX>, CONTROL for the tokens tokenizer_config names (bos, eos,
//   unk, pad, mask and the additional/extra special tokens), USER_DEFINED for an added token past
//   the base vocabulary and for the tokens the chat parser must see (<|channel>, <|tool_call>
//   ...), NORMAL otherwise; add_space_prefix false, add_bos true.
#include "convert/hf_tokenizer.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "gguf/gguf_writer.h"
#include "minke/error.h"

namespace minke {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum TokenType : int32_t { kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

json read_json(const fs::path& path, bool required) {
  std::ifstream in(path);
  if (!in) {
    if (required) throw Error(path.string() + ": cannot read");
    return json::object();
  }
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error(path.string() + ": " + e.what());
  }
}

bool looks_special(const std::string& t) {
  const auto wrapped = [&](std::string_view open, std::string_view close) {
    return t.size() >= open.size() + close.size() && t.starts_with(open) && t.ends_with(close);
  };
  return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" || wrapped("<|", "|>") ||
         wrapped("<\xEF\xBD\x9C", "\xEF\xBD\x9C>") || wrapped("<unused", ">");
}

// The pre-tokenizer steps as one string: each Split's regex, "<digits>" / "<digits each>",
// "<byte-level regex>" for a ByteLevel step that splits with GPT-2's own pattern.
std::string pre_signature(const json& pre) {
  if (pre.is_null()) return "";
  const std::string type = pre.value("type", "");
  if (type == "Sequence") {
    std::string out;
    for (const json& step : pre.value("pretokenizers", json::array())) {
      const std::string s = pre_signature(step);
      if (!s.empty()) out += (out.empty() ? "" : "\n") + s;
    }
    return out;
  }
  if (type == "Split") {
    const json& pattern = pre.value("pattern", json::object());
    if (pattern.contains("Regex")) return pattern["Regex"].get<std::string>();
    return "<split " + pattern.dump() + ">";
  }
  if (type == "Digits") return pre.value("individual_digits", false) ? "<digits each>" : "<digits>";
  if (type == "ByteLevel") return pre.value("use_regex", true) ? "<byte-level regex>" : "";
  return "<" + type + ">";
}

std::string pre_type_for(const std::string& signature, const std::string& gguf_arch) {
  static const std::map<std::string, std::string> known = {
      {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
       "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
       "llama-bpe"},
      {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
       "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
       "qwen2"},
      {"\\p{N}{1,3}\n[\xE4\xB8\x80-\xE9\xBE\xA5\xE3\x81\x80-\xE3\x82\x9F\xE3\x82\xA0-\xE3\x83\xBF]+"
       "\n[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}"
       "\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
       "deepseek-v3"},
      {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| "
       "?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
       "qwen35"},
      {"[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}"
       "\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}"
       "\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| "
       "?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
       "gpt-4o"},
      {"<digits each>\n<byte-level regex>", "smollm"},
      {"<byte-level regex>", "gpt-2"},
  };
  const auto it = known.find(signature);
  if (it == known.end()) {
    throw Error(
        "tokenizer.json: its pre-tokenizer is not one Minke knows (it recognises Llama 3, "
        "Qwen2, Qwen3.5, DeepSeek-V3, o200k (gpt-oss), SmolLM and GPT-2's); steps: " +
        signature.substr(0, 300));
  }
  // GLM-4.5 splits as Llama 3 does; llama.cpp names it glm4 (no BOS unless the file asks).
  if (it->second == "llama-bpe" && gguf_arch == "glm4moe") return "glm4";
  return it->second;
}

// The id of tokenizer_config's `<what>_token` (a string or {"content": ...}), else config.json's
// integer `<what>_token_id`.
std::optional<int64_t> special_id(const std::string& what, const json& tok_config,
                                  const std::map<std::string, int64_t>& added, const json& config) {
  if (tok_config.contains(what + "_token")) {
    const json& v = tok_config[what + "_token"];
    std::string content;
    if (v.is_string()) content = v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string()) {
      content = v["content"].get<std::string>();
    }
    const auto it = added.find(content);
    if (it != added.end()) return it->second;
  }
  const std::string key = what + "_token_id";
  if (config.contains(key) && config[key].is_number_integer()) return config[key].get<int64_t>();
  return std::nullopt;
}

// The ids of the special tokens tokenizer_config names (transformers' all_special_ids).
std::set<int64_t> named_special_ids(const json& tok_config,
                                    const std::map<std::string, int64_t>& ids) {
  std::set<int64_t> out;
  const auto add = [&](const json& v) {
    std::string text = v.is_string() ? v.get<std::string>() : "";
    if (v.is_object()) text = v.value("content", "");
    const auto it = ids.find(text);
    if (it != ids.end()) out.insert(it->second);
  };
  for (const char* what : {"bos", "eos", "unk", "pad", "mask", "sep", "cls"}) {
    if (tok_config.contains(std::string(what) + "_token")) {
      add(tok_config[std::string(what) + "_token"]);
    }
  }
  for (const char* list : {"additional_special_tokens", "extra_special_tokens"}) {
    const json& l = tok_config.value(list, json());
    if (l.is_array()) {
      for (const json& v : l) add(v);
    }
    if (l.is_object()) {
      for (const auto& [k, v] : l.items()) add(v);
    }
  }
  return out;
}

bool is_byte_token(const std::string& t) {
  return t.size() == 6 && t.starts_with("<0x") && t.ends_with(">") &&
         std::isxdigit(static_cast<unsigned char>(t[3])) &&
         std::isxdigit(static_cast<unsigned char>(t[4]));
}

// add_bos / add_eos as the post-processor decides them (nullopt: it does not say).
void post_processor_flags(const json& post, const std::optional<int64_t>& bos,
                          const std::optional<int64_t>& eos, const json& vocab_ids,
                          std::optional<bool>* add_bos, std::optional<bool>* add_eos) {
  if (post.is_null()) return;
  const std::string type = post.value("type", "");
  if (type == "Sequence") {
    for (const json& p : post.value("processors", json::array())) {
      post_processor_flags(p, bos, eos, vocab_ids, add_bos, add_eos);
    }
    return;
  }
  if (type == "ByteLevel") {
    if (!*add_bos) *add_bos = false;
    if (!*add_eos) *add_eos = false;
    return;
  }
  if (type != "TemplateProcessing") return;
  const json& single = post.value("single", json::array());
  if (single.size() < 2) return;
  const auto token_id = [&](const json& item) -> std::optional<int64_t> {
    if (!item.contains("SpecialToken")) return std::nullopt;
    const std::string id = item["SpecialToken"].value("id", "");
    const json& specials = post.value("special_tokens", json::object());
    if (specials.contains(id) && !specials[id].value("ids", json::array()).empty()) {
      return specials[id]["ids"][0].get<int64_t>();
    }
    return std::nullopt;
  };
  const std::optional<int64_t> first = token_id(single.front()), last = token_id(single.back());
  *add_bos = first.has_value() && first == bos;
  *add_eos = last.has_value() && last == eos;
}

}  // namespace

void add_hf_tokenizer(const std::string& dir, const json& config, const std::string& gguf_arch,
                      GgufWriter& out) {
  const fs::path tok_path = fs::path(dir) / "tokenizer.json";
  if (!fs::exists(tok_path)) {
    throw Error(dir + ": no tokenizer.json" +
                (fs::exists(fs::path(dir) / "tokenizer.model")
                     ? std::string(" (SentencePiece tokenizer.model files are not converted yet)")
                     : std::string()));
  }
  const json tok = read_json(tok_path, true);
  const json tok_config = read_json(fs::path(dir) / "tokenizer_config.json", false);
  const json& model = tok.value("model", json::object());
  if (model.value("type", "") != "BPE" || !model.contains("vocab") || !model["vocab"].is_object()) {
    throw Error(tok_path.string() + ": model type " + model.value("type", "?") +
                "; Minke converts byte-level BPE tokenizers (and Gemma 4's space-escaped one)");
  }
  const bool space_escaped = model.value("byte_fallback", false);
  if (space_escaped && gguf_arch != "gemma4") {
    throw Error(tok_path.string() +
                ": a SentencePiece-style BPE (byte_fallback) is converted "
                "for Gemma 4 only, not for " +
                gguf_arch);
  }

  std::map<int64_t, std::pair<std::string, int32_t>> by_id;  // id -> (text, type)
  for (const auto& [text, id] : model["vocab"].items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0)
      throw Error(tok_path.string() + ": bad id for " + text);
    by_id[id.get<int64_t>()] = {text, kNormal};
  }
  std::map<std::string, int64_t> added;
  for (const json& a : tok.value("added_tokens", json::array())) {
    const int64_t id = a.value("id", int64_t{-1});
    const std::string text = a.value("content", "");
    if (id < 0) throw Error(tok_path.string() + ": added token without an id");
    added[text] = id;
    if (space_escaped) {
      if (!by_id.contains(id)) by_id[id] = {text, kUserDefined};
      continue;
    }
    std::string shown = text;
    const bool control = a.value("special", false) || looks_special(text);
    if (!control) {
      for (size_t at; (at = shown.find("\xE2\x96\x81")) != std::string::npos;)
        shown.replace(at, 3, " ");
    }
    by_id[id] = {shown, control ? kControl : kUserDefined};
  }
  if (space_escaped) {
    std::map<std::string, int64_t> ids = added;
    for (const auto& [id, entry] : by_id) ids.emplace(entry.first, id);
    const std::set<int64_t> specials = named_special_ids(tok_config, ids);
    static const std::set<std::string> visible = {
        "<|channel>",       "<channel|>",       "<|tool_call>", "<tool_call|>",
        "<|tool_response>", "<tool_response|>", "<|\"|>"};
    for (auto& [id, entry] : by_id) {
      if (visible.contains(entry.first)) {
        entry.second = kUserDefined;
      } else if (specials.contains(id)) {
        entry.second = kControl;
      } else if (is_byte_token(entry.first)) {
        entry.second = kByte;
      }
    }
  }
  const int64_t n_tokens = by_id.empty() ? 0 : by_id.rbegin()->first + 1;
  const int64_t n_vocab = std::max<int64_t>(n_tokens, config.value("vocab_size", int64_t{0}));
  if (n_vocab > (int64_t{1} << 24))
    throw Error(tok_path.string() + ": implausible vocabulary size");
  std::vector<std::string> tokens(static_cast<size_t>(n_vocab));
  std::vector<int32_t> types(static_cast<size_t>(n_vocab), kUnused);
  for (int64_t i = 0; i < n_vocab; ++i) {
    const auto it = by_id.find(i);
    if (it == by_id.end()) {
      tokens[static_cast<size_t>(i)] = "[PAD" + std::to_string(i) + "]";
    } else {
      tokens[static_cast<size_t>(i)] = it->second.first;
      types[static_cast<size_t>(i)] = it->second.second;
    }
  }
  std::vector<std::string> merges;
  for (const json& m : model.value("merges", json::array())) {
    if (m.is_string()) {
      merges.push_back(m.get<std::string>());
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      std::string parts[2] = {m[0].get<std::string>(), m[1].get<std::string>()};
      for (std::string& p : parts) {  // byte-level BPE spells a space U+0120
        for (size_t at; !space_escaped && (at = p.find(' ')) != std::string::npos;) {
          p.replace(at, 1, "\xC4\xA0");
        }
      }
      merges.push_back(parts[0] + " " + parts[1]);
    } else {
      throw Error(tok_path.string() + ": a merge is neither \"a b\" nor [a, b]");
    }
  }

  if (space_escaped) {
    out.add_string("tokenizer.ggml.model", "gemma4");
  } else {
    out.add_string("tokenizer.ggml.model", "gpt2");
    out.add_string("tokenizer.ggml.pre",
                   pre_type_for(pre_signature(tok.value("pre_tokenizer", json())), gguf_arch));
  }
  out.add("tokenizer.ggml.tokens",
          GgufWriteValue::string_array(std::span<const std::string>(tokens)));
  if (space_escaped) {
    const std::vector<float> scores(tokens.size(), -1000.0f);
    out.add("tokenizer.ggml.scores", GgufWriteValue::array_of(std::span<const float>(scores)));
  }
  out.add("tokenizer.ggml.token_type", GgufWriteValue::array_of(std::span<const int32_t>(types)));
  out.add("tokenizer.ggml.merges",
          GgufWriteValue::string_array(std::span<const std::string>(merges)));

  const std::optional<int64_t> bos = special_id("bos", tok_config, added, config);
  const std::optional<int64_t> eos = special_id("eos", tok_config, added, config);
  for (const auto& [what, key] : {std::pair{"bos", "bos_token_id"},
                                  {"eos", "eos_token_id"},
                                  {"unk", "unknown_token_id"},
                                  {"pad", "padding_token_id"},
                                  {"mask", "mask_token_id"}}) {
    const std::optional<int64_t> id = special_id(what, tok_config, added, config);
    if (id && *id >= 0 && *id < n_vocab) {
      out.add_u32(std::string("tokenizer.ggml.") + key, static_cast<uint32_t>(*id));
    }
  }
  std::optional<bool> add_bos, add_eos;
  post_processor_flags(tok.value("post_processor", json()), bos, eos, model["vocab"], &add_bos,
                       &add_eos);
  if (!add_bos && tok_config.contains("add_bos_token") &&
      tok_config["add_bos_token"].is_boolean()) {
    add_bos = tok_config["add_bos_token"].get<bool>();
  }
  if (!add_eos && tok_config.contains("add_eos_token") &&
      tok_config["add_eos_token"].is_boolean()) {
    add_eos = tok_config["add_eos_token"].get<bool>();
  }
  if (space_escaped) {  // llama.cpp's Gemma 4 conversion: always a BOS, never a space prefix
    add_bos = true;
    out.add_bool("tokenizer.ggml.add_space_prefix", false);
  }
  if (add_bos) out.add_bool("tokenizer.ggml.add_bos_token", *add_bos);
  if (add_eos) out.add_bool("tokenizer.ggml.add_eos_token", *add_eos);

  std::string chat_template;
  const json& ct = tok_config.value("chat_template", json());
  if (ct.is_string()) chat_template = ct.get<std::string>();
  if (ct.is_array()) {
    for (const json& entry : ct) {
      if (entry.value("name", "") == "default") chat_template = entry.value("template", "");
    }
  }
  if (chat_template.empty()) {
    std::ifstream jinja(fs::path(dir) / "chat_template.jinja");
    chat_template.assign(std::istreambuf_iterator<char>(jinja), {});
  }
  if (!chat_template.empty()) out.add_string("tokenizer.chat_template", chat_template);
}

}  // namespace minke
