// PreTokenizer: splits text into words before byte-level BPE, with the regex list llama.cpp uses
// for each `tokenizer.ggml.pre` type, applied in sequence (each regex splits the pieces of the
// previous one; text between matches stays a piece of its own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minke {

struct PreTokenizerTraits {
  std::string_view canonical;  // the family name, e.g. "llama3" for "llama-bpe"
  bool ignore_merges = false;  // whole-word vocab hits skip BPE merging (llama3 family)
  bool add_bos = false;        // default for add_bos_token when the metadata is silent
};

// Throws minke::Error listing the supported names when `pre` is unknown.
PreTokenizerTraits pre_tokenizer_traits(std::string_view pre);
std::vector<std::string_view> supported_pre_tokenizers();

class RegexSplitter;

class PreTokenizer {
 public:
  explicit PreTokenizer(std::string_view pre);  // throws minke::Error when unknown
  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  // Lengths, in code points, of the consecutive words of `cpts` (they sum to cpts.size()).
  std::vector<size_t> split(std::span<const uint32_t> cpts) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<std::unique_ptr<RegexSplitter>> steps_;
};

}  // namespace minke
