// Tests for the token-level constraint: the vocabulary walk's mask equals asking the matcher
// about every token one by one (on a hand-made vocabulary and on SmolLM2's 49k tokens), end of
// generation follows the grammar, and the sampler with a filter picks exactly what it would
// pick from a pre-masked row.
#include "grammar/grammar_constraint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "sample/sampler.h"
#include "support/test_paths.h"
#include "tokenizer/tokenizer.h"

namespace minke {
namespace {

bool bit(const std::vector<uint64_t>& bits, int32_t id) {
  return (bits[static_cast<size_t>(id) >> 6] >> (id & 63)) & 1;
}

// The mask from the vocabulary walk must equal the per-token answers, for every token.
void expect_mask_matches_per_token(GrammarConstraint& c, const TokenTable& table,
                                   const std::string& where) {
  const std::vector<uint64_t> bits = c.allowed_bits();
  int32_t n_allowed = 0;
  for (int32_t id = 0; id < table.n_vocab(); ++id) {
    const bool allowed = c.allows(id);
    ASSERT_EQ(bit(bits, id), allowed)
        << where << ": token " << id << " '" << table.bytes(id) << "'";
    n_allowed += allowed;
  }
  EXPECT_GT(n_allowed, 0) << where;
}

const char* kJsonish =
    R"(root ::= "{" ws "\"name\"" ws ":" ws string ws "," ws "\"age\"" ws ":" ws int ws "}"
string ::= "\"" ( [^"\\] | "\\" ["\\nt] )* "\""
int ::= "0" | [1-9] [0-9]{0,5}
ws ::= [ \n]{0,3})";

TEST(GrammarConstraint, HandMadeVocabulary) {
  auto table = std::make_shared<TokenTable>(
      std::vector<std::string>{"{",   "}",  "\"",   "\"name",     "\":",      " \"",
                               "a",   "ab", "\xC3", "\xA9",       "\xC3\xA9", "12",
                               "0",   "01", ",",    ", \"age\":", "",         "<eos>",
                               "\\n", "\\", "\"}",  " ",          "\n"},
      std::vector<int32_t>{17});
  GrammarConstraint c(compile_gbnf(kJsonish), table);
  const std::string text = "{ \"name\": \"ab\xC3\xA9\\n\", \"age\":120}";
  GrammarMatcher probe(compile_gbnf(kJsonish));
  ASSERT_TRUE(probe.accept(text));
  ASSERT_TRUE(probe.complete());
  // Walk: "{", " ", "\"name", "\":", " \"", "ab", "\xC3", "\xA9", "\\n", "\"", ", \"age\":", "12",
  // "0", "}".
  const std::vector<int32_t> tokens = {0, 21, 3, 4, 5, 7, 8, 9, 18, 2, 15, 11, 12, 1};
  for (size_t i = 0; i < tokens.size(); ++i) {
    expect_mask_matches_per_token(c, *table, "step " + std::to_string(i));
    EXPECT_FALSE(c.allows(17)) << "end of generation before the object is complete";
    ASSERT_TRUE(c.accept(tokens[i])) << "step " << i;
  }
  EXPECT_TRUE(c.complete());
  EXPECT_TRUE(c.allows(17));
  EXPECT_FALSE(c.allows(22));
  EXPECT_FALSE(c.allows(16)) << "a token without bytes is never allowed";
}

TEST(GrammarConstraint, MaskEqualsPerTokenAnswersOnSmolLM2) {
  const auto path = testing::model_path(testing::kSmolLM2);
  ASSERT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
  const auto gguf = GgufFile::open(path.string());
  const auto tokenizer = Tokenizer::from_gguf(*gguf);
  const auto table = TokenTable::from_tokenizer(*tokenizer);
  GrammarConstraint c(compile_gbnf(kJsonish), table);
  // Follow a valid text token by token as the model's own tokenizer splits it.
  const std::string text = "{\"name\": \"Zo\xC3\xAB \\\"the\\\" great\",\n \"age\": 41}";
  const std::vector<int32_t> ids = tokenizer->encode(text, {.add_special = false});
  for (size_t i = 0; i < ids.size(); ++i) {
    expect_mask_matches_per_token(c, *table, "before token " + std::to_string(i));
    ASSERT_TRUE(c.accept(ids[i])) << i;
  }
  EXPECT_TRUE(c.complete());
  for (const int32_t eog : table->eog()) EXPECT_TRUE(c.allows(eog));
  EXPECT_FALSE(c.allows(tokenizer->bos())) << "control tokens are never allowed";
}

// A filter over a fixed allowed set, so the sampler's shortcuts can be compared with masking.
// With `words`, it also hands out its bits and says its mask is ready, as GrammarConstraint does
// for a remembered state: the sampler then visits only the allowed tokens where they are few.
class SetFilter final : public TokenFilter {
 public:
  SetFilter(std::vector<bool> allowed, bool words) : allowed_(std::move(allowed)), words_(words) {
    bits_.assign((allowed_.size() + 63) / 64, 0);
    for (size_t t = 0; t < allowed_.size(); ++t) {
      if (allowed_[t]) {
        bits_[t / 64] |= uint64_t{1} << (t % 64);
        ++count_;
      }
    }
  }
  bool allows(int32_t t) override { return allowed_[static_cast<size_t>(t)]; }
  bool mask_ready() override { return words_; }
  std::span<const uint64_t> allowed_words(size_t& count) override {
    count = words_ ? count_ : 0;
    return words_ ? std::span<const uint64_t>(bits_) : std::span<const uint64_t>();
  }
  void mask(std::span<float> logits) override {
    for (size_t t = 0; t < logits.size(); ++t) {
      if (!allowed_[t]) logits[t] = -std::numeric_limits<float>::infinity();
    }
  }

 private:
  std::vector<bool> allowed_;
  bool words_;
  std::vector<uint64_t> bits_;
  size_t count_ = 0;
};

TEST(GrammarConstraint, FilteredSamplingEqualsSamplingAPreMaskedRow) {
  constexpr int32_t kVocab = 5000;
  std::mt19937 gen(7);
  std::normal_distribution<float> logit(0.0f, 3.0f);
  const std::vector<SamplerParams> settings = {
      {.temperature = 0.0f, .seed = 1},
      {.temperature = 0.8f, .top_k = 40, .top_p = 0.95f, .min_p = 0.05f, .seed = 2},
      {.temperature = 1.0f, .top_k = 5, .top_p = 1.0f, .min_p = 0.0f, .seed = 3},
      {.temperature = 1.3f, .top_k = 0, .top_p = 0.9f, .min_p = 0.0f, .seed = 4},
      {.temperature = 0.7f, .top_k = 40, .repeat_penalty = 1.3f, .seed = 5},
  };
  // Allowed fractions from almost everything down to a handful, so every path runs: the
  // argmax/top-k shortcut, its widening, and the full mask.
  for (const double fraction : {0.9, 0.3, 0.01, 0.0005}) {
    std::bernoulli_distribution keep(fraction);
    std::vector<bool> allowed(kVocab);
    for (int32_t t = 0; t < kVocab; ++t) allowed[static_cast<size_t>(t)] = keep(gen);
    allowed[123] = true;
    for (const bool words : {false, true}) {
      SetFilter filter(allowed, words);
      for (const SamplerParams& p : settings) {
        Sampler constrained(p, kVocab), reference(p, kVocab);
        constrained.set_filter(&filter);
        for (int step = 0; step < 30; ++step) {
          std::vector<float> row(kVocab);
          for (float& l : row) l = logit(gen);
          std::vector<float> premasked = row;
          filter.mask(premasked);
          const int32_t a = constrained.sample(row);
          const int32_t b = reference.sample(premasked);
          ASSERT_EQ(a, b) << "fraction " << fraction << " top_k " << p.top_k << " words " << words
                          << " step " << step;
          ASSERT_TRUE(allowed[static_cast<size_t>(a)]);
          constrained.accept(a);
          reference.accept(b);
        }
      }
    }
  }
}

}  // namespace
}  // namespace minke
