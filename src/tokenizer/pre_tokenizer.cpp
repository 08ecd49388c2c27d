// The pre-tokenizer regex lists, per `tokenizer.ggml.pre` type. The patterns are the models'
// own (from their tokenizer.json, non-ASCII written as \x{..} so no editor normalises them), in the
// forms llama.cpp runs them (case-insensitive groups spelled out as [sS], extra digit/CJK splitting
// passes), since ids must match llama.cpp's.
#include "tokenizer/pre_tokenizer.h"

#include "minke/error.h"
#include "tokenizer/regex_splitter.h"

namespace minke {
namespace {

constexpr const char* kGpt2 =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
constexpr const char* kLlama3 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kQwen2 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
    "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// Qwen3.5: as Qwen2, but letter runs also take combining marks ([\p{L}\p{M}]+) and marks never
// start a punctuation run.
constexpr const char* kQwen35 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|"
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}|"
    " ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kCjk = "[一-龥ࠀ-一가-퟿]+";

struct PreTokenizerDef {
  PreTokenizerTraits traits;
  std::vector<const char*> regexes;
};

const PreTokenizerDef* find_def(std::string_view canonical) {
  static const std::vector<PreTokenizerDef> defs = {
      {{"default"}, {"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2, "\\p{N}+", "[0-9][0-9][0-9]"}},
      {{"gpt-2"}, {kGpt2}},
      {{"llama3", true, true}, {kLlama3}},
      {{"dbrx"}, {kLlama3}},
      {{"glm4", true}, {kLlama3}},
      {{"qwen2"}, {kQwen2}},
      {{"qwen35"}, {kQwen35}},
      {{"smollm"}, {"\\p{N}", kGpt2}},
      {{"falcon"}, {"[\\p{P}\\$\\+<=>\\^~\\|`]+", kGpt2, "[0-9][0-9][0-9]"}},
      {{"deepseek-llm"},
       {"[\r\n]",
        "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-"
        "\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}"
        "\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}"
        "\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}"
        "\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}"
        "\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}"
        "\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}"
        "\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-"
        "\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}"
        "\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}"
        "\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-"
        "\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}"
        "\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}"
        "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}"
        "\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}"
        "\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"
        "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-"
        "\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}"
        "\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
        "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", kCjk, "\\p{N}+"}},
      {{"deepseek-coder"}, {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", kCjk, "\\p{N}"}},
      {{"deepseek-v3"},
       {"\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
        "[!\"#$%&'()*+,\\-./"
        ":;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
        " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"}},
      // o200k (gpt-oss, Llama 4) as tokenizer.json and tiktoken write it. llama.cpp runs a
      // rewrite without the case classes ((?=\p{L})[^a-z] for upper case) that also drops the
      // combining marks (\p{M}) from letter runs, so "e\u0301" splits there and not in
      // transformers; Minke follows the model's own tokenizer, natively in PCRE2.
      {{"gpt-4o"},
       {"[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}"
        "\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}"
        "\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"
        "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}},
      {{"tekken", true, true},
       {"[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|"
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|"
        "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}},
      {{"poro-chat"}, {" ?[^(\\s|.,!?…。，、।۔،)]+"}},
      {{"viking"}, {" ?[^(\\s|.,!?…。，、।۔،)]+", "\\p{N}"}},
  };
  for (const PreTokenizerDef& def : defs) {
    if (def.traits.canonical == canonical) return &def;
  }
  return nullptr;
}

// `tokenizer.ggml.pre` names and the family each one uses (llama-vocab.cpp's mapping).
struct Alias {
  std::string_view name;
  std::string_view canonical;
};
constexpr Alias kAliases[] = {
    {"default", "default"},
    {"gpt-2", "gpt-2"},
    {"phi-2", "gpt-2"},
    {"mpt", "gpt-2"},
    {"olmo", "gpt-2"},
    {"jais", "gpt-2"},
    {"jina-es", "gpt-2"},
    {"jina-de", "gpt-2"},
    {"jina-v2-es", "gpt-2"},
    {"jina-v2-de", "gpt-2"},
    {"gigachat", "gpt-2"},
    {"trillion", "gpt-2"},
    {"exaone4", "gpt-2"},
    {"llama3", "llama3"},
    {"llama-v3", "llama3"},
    {"llama-bpe", "llama3"},
    {"falcon3", "llama3"},
    {"pixtral", "llama3"},
    {"glm4", "glm4"},
    {"glm5", "glm4"},
    {"dbrx", "dbrx"},
    {"smaug-bpe", "dbrx"},
    {"qwen2", "qwen2"},
    {"deepseek-r1-qwen", "qwen2"},
    {"stablelm2", "qwen2"},
    {"megrez", "qwen2"},
    {"qwen35", "qwen35"},
    {"smollm", "smollm"},
    {"starcoder", "smollm"},
    {"refact", "smollm"},
    {"codeshell", "smollm"},
    {"exaone", "smollm"},
    {"minerva-7b", "smollm"},
    {"falcon", "falcon"},
    {"deepseek-llm", "deepseek-llm"},
    {"deepseek-coder", "deepseek-coder"},
    {"deepseek-v3", "deepseek-v3"},
    {"gpt-4o", "gpt-4o"},
    {"llama4", "gpt-4o"},
    {"tekken", "tekken"},
    {"poro-chat", "poro-chat"},
    {"bloom", "poro-chat"},
    {"gpt3-finnish", "poro-chat"},
    {"viking", "viking"},
};

const PreTokenizerDef& lookup(std::string_view pre) {
  for (const Alias& a : kAliases) {
    if (a.name == pre) return *find_def(a.canonical);
  }
  std::string list;
  for (std::string_view name : supported_pre_tokenizers()) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  throw Error("unknown pre-tokenizer type '" + std::string(pre) + "' (tokenizer.ggml.pre); " +
              "supported: " + list);
}

}  // namespace

std::vector<std::string_view> supported_pre_tokenizers() {
  std::vector<std::string_view> names;
  for (const Alias& a : kAliases) names.push_back(a.name);
  return names;
}

PreTokenizerTraits pre_tokenizer_traits(std::string_view pre) { return lookup(pre).traits; }

PreTokenizer::PreTokenizer(std::string_view pre) : name_(pre) {
  for (const char* regex : lookup(pre).regexes) {
    steps_.push_back(std::make_unique<RegexSplitter>(regex));
  }
}

PreTokenizer::~PreTokenizer() = default;

std::vector<size_t> PreTokenizer::split(std::span<const uint32_t> cpts) const {
  if (cpts.empty()) return {};
  bool need_collapsed = false, need_wide = false;
  for (const auto& step : steps_) (step->collapsed() ? need_collapsed : need_wide) = true;
  SplitText text;
  build_split_text(cpts, need_collapsed, need_wide, &text);
  std::vector<size_t> pieces = {cpts.size()};
  for (const auto& step : steps_) pieces = step->split(text, pieces);
  return pieces;
}

}  // namespace minke
