// Unit tests for the tokenizer pieces on small hand-built vocabs: special-token partition,
// BPE merging, SentencePiece and space-escaped BPE byte fallback, streaming detokenization,
// metadata validation, and encoding speed on long inputs.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "gguf/gguf_writer.h"
#include "minke/error.h"
#include "support/test_paths.h"
#include "tokenizer/byte_level_bpe.h"
#include "tokenizer/detokenizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/utf8.h"

namespace minke {
namespace {

Vocab small_vocab(const std::vector<std::pair<std::string, TokenType>>& tokens) {
  Vocab v;
  for (const auto& [text, type] : tokens) v.tokens.push_back({text, 0.0f, attr_from_type(type)});
  finalize_vocab(&v);
  return v;
}

TEST(SpecialTokens, LongestTokenSplitsFirst) {
  Vocab v = small_vocab({{"a", TokenType::kNormal},
                         {"<|im_start|>", TokenType::kControl},
                         {"<|im_", TokenType::kControl},
                         {"<user>", TokenType::kUserDefined}});
  SpecialTokens special(v);
  auto parts = special.partition("x<|im_start|>y<|im_z<user>", /*parse_special=*/true);
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_TRUE(parts[0].is_text());
  EXPECT_EQ(parts[1].token, 1);
  EXPECT_EQ(parts[2].length, 1u);  // "y"
  EXPECT_EQ(parts[3].token, 2);    // "<|im_"
  EXPECT_EQ(parts[4].length, 1u);  // "z"
  EXPECT_EQ(parts[5].token, 3);
  // Without parse_special only user-defined tokens are cut out.
  parts = special.partition("x<|im_start|>y<user>", /*parse_special=*/false);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].length, 14u);
  EXPECT_EQ(parts[1].token, 3);
  EXPECT_TRUE(special.partition("", true).empty());
}

TEST(Vocab, EndOfGenerationByText) {
  Vocab v = small_vocab({{"<|endoftext|>", TokenType::kNormal},
                         {"<|im_end|>", TokenType::kControl},
                         {"hi", TokenType::kNormal}});
  v.eos = 0;
  finalize_vocab(&v);
  EXPECT_TRUE(v.eog.count(0));
  EXPECT_TRUE(v.eog.count(1));
  EXPECT_FALSE(v.eog.count(2));
  EXPECT_TRUE(v.is_control(0));  // recognised by its text, made control as llama.cpp does
}

TEST(ByteLevelBpe, MergesByRankLeftmostFirst) {
  Vocab v;
  for (int b = 0; b < 256; ++b) {
    v.tokens.push_back({utf8::encode(byte_to_codepoint(static_cast<uint8_t>(b))), 0, kAttrNormal});
  }
  v.tokens.push_back({"aa", 0, kAttrNormal});   // 256
  v.tokens.push_back({"aaa", 0, kAttrNormal});  // 257
  std::string key;
  Vocab::merge_key("a", "a", &key);
  v.merge_ranks[key] = 0;
  Vocab::merge_key("aa", "a", &key);
  v.merge_ranks[key] = 1;
  v.pre = "gpt-2";
  auto tok = Tokenizer::from_vocab(v);
  EXPECT_EQ(tok->encode("aaaa", {.add_special = false}), (std::vector<int32_t>{256, 256}));
  EXPECT_EQ(tok->encode("aaa", {.add_special = false}), (std::vector<int32_t>{257}));
  // Token b is byte b in mapped form ("Ġ" for the space); no merge joins "Ġ" and "a".
  EXPECT_EQ(tok->encode(" a", {.add_special = false}), (std::vector<int32_t>{' ', 'a'}));
  EXPECT_EQ(tok->token_text(' '), "\xC4\xA0");
  EXPECT_EQ(tok->decode(tok->encode("héllo wörld")), "héllo wörld");
}

TEST(PreTokenizer, UnknownTypeListsSupported) {
  try {
    PreTokenizer p("no-such-pre");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-pre"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("qwen2"), std::string::npos);
  }
}

TEST(PreTokenizer, Qwen35KeepsCombiningMarksInWords) {
  // "re\u0301sume\u0301 x\u0301!": Qwen2 ends a letter run at a mark (which may only prefix the
  // next run), Qwen3.5 keeps marks inside the run.
  const std::vector<uint32_t> cpts = utf8::decode_lenient("re\xCC\x81sume\xCC\x81 x\xCC\x81!");
  EXPECT_EQ(PreTokenizer("qwen2").split(cpts), (std::vector<size_t>{2, 5, 1, 2, 2}));
  EXPECT_EQ(PreTokenizer("qwen35").split(cpts), (std::vector<size_t>{8, 3, 1}));
}

TEST(SpmBpe, ByteFallbackAndSpacePrefix) {
  Vocab v;
  v.kind = VocabKind::kSentencePiece;
  v.tokens = {{"<unk>", 0, kAttrUnknown}, {"<s>", 0, kAttrControl}, {"</s>", 0, kAttrControl}};
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "<0x%02X>", b);
    v.tokens.push_back({hex, 0, kAttrByte});
  }
  v.tokens.push_back({"\xE2\x96\x81h", -1, kAttrNormal});      // 259
  v.tokens.push_back({"i", -2, kAttrNormal});                  // 260
  v.tokens.push_back({"\xE2\x96\x81hi", -0.5f, kAttrNormal});  // 261
  v.tokens.push_back({"h", -3, kAttrNormal});                  // 262
  v.tokens.push_back({"\xE2\x96\x81", -3, kAttrNormal});       // 263
  v.bos = 1;
  v.eos = 2;
  v.unk = 0;
  v.add_bos = true;
  v.add_space_prefix = true;
  auto tok = Tokenizer::from_vocab(v);
  // "é" is not in the vocab: its two bytes come out as <0xC3><0xA9>.
  EXPECT_EQ(tok->encode("hi\xC3\xA9"), (std::vector<int32_t>{1, 261, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(tok->decode(tok->encode("hi\xC3\xA9")), " hi\xC3\xA9");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, 261}, {.render_special = true}), "<s> hi");
}

TEST(SpaceEscapedBpe, MergesByRankWithByteFallback) {
  Vocab v;
  v.kind = VocabKind::kSpaceEscapedBpe;
  v.tokens = {{"<bos>", 0, kAttrControl}};
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "<0x%02X>", b);
    v.tokens.push_back({hex, 0, kAttrByte});  // 1 + b
  }
  for (const char* text :
       {"h", "i", "\xE2\x96\x81", "\xE2\x96\x81h", "\xE2\x96\x81hi", "\n", "\n\n\n", "hi"}) {
    v.tokens.push_back({text, 0, kAttrNormal});  // 257...
  }
  std::string key;
  Vocab::merge_key("\xE2\x96\x81", "h", &key);
  v.merge_ranks[key] = 0;
  Vocab::merge_key("\xE2\x96\x81h", "i", &key);
  v.merge_ranks[key] = 1;
  v.bos = 0;
  v.add_bos = true;
  auto tok = Tokenizer::from_vocab(v);
  // "hi" is a token but no merge makes it; "\n\n\n" has no merges but is kept whole; "é" falls
  // back to its bytes.
  const std::vector<int32_t> ids = tok->encode("hi hi\n\n\n\xC3\xA9");
  EXPECT_EQ(ids, (std::vector<int32_t>{0, 257, 258, 261, 263, 1 + 0xC3, 1 + 0xA9}));
  EXPECT_EQ(tok->decode(ids), "hi hi\n\n\n\xC3\xA9");
  EXPECT_EQ(tok->describe(), "space-escaped BPE (gemma4), 265 tokens");
}

TEST(StreamingDecoder, HoldsSplitCharactersAndReplacesInvalid) {
  Vocab v;
  StreamingDecoder d(v);
  EXPECT_EQ(d.push_bytes("a\xE4"), "a");
  EXPECT_EQ(d.pending_bytes(), 1u);
  EXPECT_EQ(d.push_bytes("\xBD"), "");
  EXPECT_EQ(d.push_bytes("\xA0!"), "\xE4\xBD\xA0!");
  EXPECT_EQ(d.push_bytes("\xF0\x9F"), "");
  EXPECT_EQ(d.push_bytes("\x98\x80"), "\xF0\x9F\x98\x80");
  // An impossible byte is replaced at once; a lead byte cut off by ASCII too.
  EXPECT_EQ(d.push_bytes("\xFFx"), "\xEF\xBF\xBDx");
  EXPECT_EQ(d.push_bytes("\xE4\xBDz"), "\xEF\xBF\xBDz");
  // An incomplete tail is flushed as U+FFFD.
  EXPECT_EQ(d.push_bytes("\xE4"), "");
  EXPECT_EQ(d.flush(), "\xEF\xBF\xBD");
  EXPECT_EQ(d.pending_bytes(), 0u);
}

TEST(StreamingDecoder, SplitsAcrossRealTokens) {
  const auto path = testing::model_path(testing::kQwen2);
  ASSERT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
  auto gguf = GgufFile::open(path.string());
  auto tok = Tokenizer::from_gguf(*gguf);
  const std::string text = "emoji 😀👨‍👩‍👧 and 中文 ok";
  StreamingDecoder d(tok->vocab());
  std::string out;
  for (int32_t id : tok->encode(text)) {
    const std::string part(d.push(id));
    EXPECT_TRUE(utf8::is_valid(part));
    out += part;
  }
  out += d.flush();
  EXPECT_EQ(out, text);
}

std::vector<uint8_t> gguf_bytes(const std::vector<std::string>& tokens,
                                const std::vector<int32_t>& types, int64_t bos) {
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "llama");
  w.add("tokenizer.ggml.tokens", GgufWriteValue::string_array(std::span(tokens)));
  w.add("tokenizer.ggml.token_type", GgufWriteValue::array_of(std::span(types)));
  w.add_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(bos));
  return w.to_bytes();
}

TEST(Vocab, RejectsBadMetadata) {
  const std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "a"};
  auto expect_error = [](const std::vector<uint8_t>& bytes, const std::string& fragment) {
    auto gguf = GgufFile::parse(bytes, "bad.gguf");
    try {
      Tokenizer::from_gguf(*gguf);
      ADD_FAILURE() << "expected an error mentioning " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error(gguf_bytes(tokens, {2, 3, 3, 1}, 9), "bos_token_id = 9");
  expect_error(gguf_bytes(tokens, {2, 3, 3}, 1), "token_type has 3 entries");
  GgufWriter no_tokens;
  no_tokens.add_string("tokenizer.ggml.model", "llama");
  expect_error(no_tokens.to_bytes(), "missing key tokenizer.ggml.tokens");
  GgufWriter bad_model;
  bad_model.add_string("tokenizer.ggml.model", "wordpiece");
  expect_error(bad_model.to_bytes(), "not supported");
  GgufWriter no_merges;
  no_merges.add_string("tokenizer.ggml.model", "gpt2");
  no_merges.add("tokenizer.ggml.tokens", GgufWriteValue::string_array(std::span(tokens)));
  expect_error(no_merges.to_bytes(), "tokenizer.ggml.merges");
  // A valid one loads.
  auto ok_bytes = gguf_bytes(tokens, {2, 3, 3, 1}, 1);
  auto ok_file = GgufFile::parse(ok_bytes, "ok.gguf");
  EXPECT_EQ(Tokenizer::from_gguf(*ok_file)->describe(), "SentencePiece BPE (llama), 4 tokens");
}

TEST(Tokenizer, LongInputsAreFast) {
  const auto path = testing::model_path(testing::kSmolLM2);
  ASSERT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
  auto gguf = GgufFile::open(path.string());
  auto tok = Tokenizer::from_gguf(*gguf);
  EXPECT_EQ(tok->describe(), "BPE (gpt2), pre-tokenizer smollm, 49152 tokens");
  for (const std::string& text :
       {std::string(100000, 'a'), std::string(100000, ' '), std::string(100000, '1')}) {
    const auto start = std::chrono::steady_clock::now();
    const auto ids = tok->encode(text);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 1.0);
    EXPECT_EQ(tok->decode(ids), text);
    std::printf("[tokenizer] 100 KB of '%c': %zu tokens in %.1f ms\n", text[0], ids.size(),
                seconds * 1000);
  }
}

}  // namespace
}  // namespace minke
