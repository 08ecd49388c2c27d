// libFuzzer target for tokenizer input: any bytes a user or a client sends are encoded and
// decoded by each kind of tokenizer Minke has. The first byte picks the vocabulary and the
// options; the rest is the text. Checked, beyond sanitizer-clean:
//   - every id is in the vocabulary;
//   - a byte-level BPE vocabulary loses nothing: valid UTF-8 encoded without special-token
//     parsing decodes back to the same bytes;
//   - decoding one id at a time through StreamingDecoder gives what the whole decode gives,
//     made valid (the streaming path of run, chat and the server).
// Vocabularies: byte-level BPE under six pre-tokenizers (smollm, qwen35, llama-bpe, qwen2, glm4,
// gpt-4o) and Gemma 4's space-escaped BPE from committed files, and SentencePiece BPE from
// Gemma 3 270M (scripts/fetch-models.sh, which the test script runs before the fuzzers).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_file.h"
#include "support/test_paths.h"
#include "tokenizer/byte_level_bpe.h"
#include "tokenizer/detokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace {

struct Loaded {
  std::unique_ptr<minke::Tokenizer> tokenizer;
  bool byte_level;                   // decode(encode(text)) == text for valid UTF-8 ...
  std::array<bool, 256> has_byte{};  // ... made of bytes that have their token
};

std::vector<Loaded> load_all() {
  namespace t = minke::testing;
  const auto tiny = t::golden_dir() / "models" / "tiny";
  const std::vector<std::pair<std::filesystem::path, bool>> files = {
      {t::golden_dir() / "vocab" / "smollm2-vocab.gguf", true},
      {t::golden_dir() / "vocab" / "ggml-vocab-qwen35.gguf", true},
      {t::golden_dir() / "vocab" / "ggml-vocab-gemma-4.gguf", false},
      {tiny / "llama.gguf", true},
      {tiny / "qwen2.gguf", true},
      {tiny / "glm4moe.gguf", true},
      {tiny / "gpt-oss.gguf", true},
      {t::model_path(t::kGemma3), false},
  };
  std::vector<Loaded> out;
  for (const auto& [path, byte_level] : files) {
    if (!std::filesystem::exists(path)) {
      std::fprintf(stderr, "tokenizer_fuzz: %s is missing (run scripts/fetch-models.sh)\n",
                   path.c_str());
      std::abort();
    }
    const auto gguf = minke::GgufFile::open(path.string());
    Loaded t{minke::Tokenizer::from_gguf(*gguf), byte_level};
    for (int b = 0; b < 256; ++b) {
      const std::string piece = minke::utf8::encode(minke::byte_to_codepoint(uint8_t(b)));
      t.has_byte[b] = byte_level && t.tokenizer->vocab().find(piece) != minke::kNoToken;
    }
    out.push_back(std::move(t));
  }
  return out;
}

const std::vector<Loaded>& tokenizers() {
  static const std::vector<Loaded> all = load_all();
  return all;
}

// What the streaming decoder must give for these bytes: invalid sequences as U+FFFD.
std::string made_valid(const minke::Tokenizer& tok, const std::vector<int32_t>& ids) {
  minke::StreamingDecoder whole(tok.vocab());
  std::string out(whole.push_bytes(tok.decode(ids)));
  return out + whole.flush();
}

// Text a byte-level BPE must give back unchanged: valid UTF-8 whose every byte has its token.
// A vocabulary may lack some (SmolLM2's has no token for 0x13 or 0x1d); llama.cpp drops such a
// byte ("6\x1dw" is [6, w] in llama-cpp-python 0.3.36), and Minke gives the ids its oracle gives.
bool round_trips(const Loaded& t, std::string_view text) {
  for (const char c : text) {
    if (!t.has_byte[static_cast<uint8_t>(c)]) return false;
  }
  return minke::utf8::is_valid(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::vector<Loaded>& all = tokenizers();
  const Loaded& pick = all[data[0] % all.size()];
  const minke::Tokenizer& tok = *pick.tokenizer;
  const bool parse_special = (data[0] / all.size()) % 2 == 1;
  const bool add_special = (data[0] / all.size() / 2) % 2 == 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::vector<int32_t> ids =
      tok.encode(text, {.add_special = add_special, .parse_special = parse_special});
  for (const int32_t id : ids) {
    if (id < 0 || id >= tok.n_vocab()) std::abort();
  }
  if (pick.byte_level && !parse_special && !add_special && round_trips(pick, text) &&
      tok.decode(ids) != text) {
    std::abort();
  }
  minke::StreamingDecoder stream(tok.vocab());
  std::string streamed;
  for (const int32_t id : ids) streamed += stream.push(id);
  streamed += stream.flush();
  if (streamed != made_valid(tok, ids)) std::abort();
  return 0;
}
