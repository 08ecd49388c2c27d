// Grammar masks against llama.cpp's grammar sampler (llama-cpp-python), recorded by
// scripts/make_golden_grammar.py: for each grammar, the tokens of SmolLM2's vocabulary allowed
// before every token of a sentence and after the last one. Exact, except for four kinds of token
// where llama.cpp differs by design (see Tolerated); each is checked to behave as stated.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "grammar/grammar.h"
#include "grammar/grammar_constraint.h"
#include "grammar/grammar_matcher.h"
#include "grammar/token_table.h"
#include "support/test_paths.h"
#include "tokenizer/tokenizer.h"

namespace minke {
namespace {

using nlohmann::json;

const json& fixture() {
  static const json doc = [] {
    std::ifstream in(testing::golden_dir() / "grammar" / "masks.json");
    EXPECT_TRUE(in.good()) << "tests/golden/data/grammar/masks.json is missing";
    return json::parse(in);
  }();
  return doc;
}

// "skip take skip take ..." run lengths over the ids from 0 -> one flag per id.
std::vector<bool> decode_runs(const std::string& runs, int32_t n_vocab) {
  std::vector<bool> out(static_cast<size_t>(n_vocab), false);
  std::istringstream in(runs);
  size_t id = 0, skip = 0, take = 0;
  while (in >> skip >> take) {
    id += skip;
    for (size_t i = 0; i < take; ++i) out.at(id++) = true;
  }
  return out;
}

std::string show(std::string_view bytes) {
  std::string out;
  for (const unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// UTF-8 sequence length announced by a lead byte; 0 for a continuation or invalid byte.
int sequence_length(uint8_t b) {
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

// Bytes still missing from the last character of `text` (0 when it ends on a boundary).
int missing_bytes(std::string_view text) {
  for (size_t back = 1; back <= 4 && back <= text.size(); ++back) {
    const int len = sequence_length(static_cast<uint8_t>(text[text.size() - back]));
    if (len == 0) continue;
    return len > static_cast<int>(back) ? len - static_cast<int>(back) : 0;
  }
  return 0;
}

// The bytes of the character `text` ends inside ("" when it ends on a boundary).
std::string_view partial_char(std::string_view text) {
  if (missing_bytes(text) == 0) return {};
  size_t start = text.size();
  while (sequence_length(static_cast<uint8_t>(text[start - 1])) == 0) --start;
  return text.substr(start - 1);
}

// Whether the character that `token` ends inside (after `output`) can be completed to a
// well-formed character (RFC 3629: no overlong form, surrogate or code point past U+10FFFF)
// that the grammar allows next.
bool some_completion_allowed(GrammarMatcher& m, const std::string& output,
                             const std::string& token) {
  const std::string text = output + token;
  const std::string_view part = partial_char(text);
  if (part.empty()) return m.allows(token);
  for (int b = 0x80; b <= 0xBF; ++b) {
    if (part.size() == 1) {
      const auto lead = static_cast<uint8_t>(part[0]);
      if ((lead == 0xE0 && b < 0xA0) || (lead == 0xED && b > 0x9F) || (lead == 0xF0 && b < 0x90) ||
          (lead == 0xF4 && b > 0x8F)) {
        continue;
      }
    }
    if (some_completion_allowed(m, output, token + static_cast<char>(b))) return true;
  }
  return false;
}

// Whether one of `excluded` (characters a negated class of the grammar leaves out) completes
// the character `token` ends inside, and the grammar rejects it here: llama.cpp's reason to
// reject the token.
bool excluded_completion(GrammarMatcher& m, const std::string& output, const std::string& token,
                         const std::vector<std::string>& excluded) {
  const std::string text = output + token;
  const std::string part(partial_char(text));
  for (const std::string& e : excluded) {
    if (e.size() > part.size() && e.compare(0, part.size(), part) == 0 &&
        !m.allows(token + e.substr(part.size()))) {
      return true;
    }
  }
  return false;
}

struct Vocabulary {
  std::unique_ptr<Tokenizer> tokenizer;
  std::shared_ptr<const TokenTable> table;
  std::vector<std::string> pieces;  // [id] text as llama.cpp's grammar sees it (specials rendered)
};

const Vocabulary& smollm2() {
  static const Vocabulary v = [] {
    const auto path = testing::model_path(fixture()["model"].get<std::string>());
    EXPECT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
    const auto gguf = GgufFile::open(path.string());
    Vocabulary out{Tokenizer::from_gguf(*gguf), nullptr, {}};
    out.table = TokenTable::from_tokenizer(*out.tokenizer);
    for (int32_t id = 0; id < out.tokenizer->n_vocab(); ++id) {
      out.pieces.push_back(out.tokenizer->token_to_piece(id, true));
    }
    return out;
  }();
  return v;
}

// (step, token) pairs on which llama.cpp's answer is not Minke's, by kind. Each is a design
// choice of llama.cpp's grammar sampler (llama_grammar_apply_impl and the partial-UTF-8 helpers
// in llama-grammar.cpp), and Minke's answer is the one the grammar's definition gives: a token
// is allowed iff its bytes extend the output to a prefix of some sentence.
struct Tolerated {
  // llama.cpp matches a control token by its rendered text ("<|im_start|>"), so '.', a negated
  // class or a JSON string lets it through; Minke never emits a control token in constrained
  // output (TokenTable::from_tokenizer leaves them out: their text is not output). Checked:
  // llama.cpp allows one exactly when the grammar allows its text, and Minke never.
  int control = 0;
  // llama.cpp rejects every token whose piece starts with a NUL byte (it decodes pieces as
  // NUL-terminated strings), though '.' and [^...] include U+0000. Checked: llama.cpp never
  // allows one; Minke's answer is the matcher's for the token's bytes (counted when it allows).
  int nul = 0;
  // A token ending inside a character, at a negated class: llama.cpp
  // (llama_grammar_match_partial_char) rejects it when any excluded character lies in the
  // code-point range the partial bytes could complete to, even if other completions are
  // allowed ([^«»] and " \xC2": « is U+00AB, but " \xC2\xA0" is fine). Checked, for the
  // excluded characters the test names: Minke allows the token, llama.cpp does not, the grammar
  // allows some well-formed completion of that character and rejects an excluded character
  // that completes it.
  int partial_char = 0;
  // End of generation while the output ends inside a character: llama.cpp allows it when the
  // token that left the partial character also completed one after which the grammar could
  // end (the empty stack survives; the pending bytes are not looked at). Checked: Minke never
  // allows it (no sentence ends inside a character).
  int eog_mid_char = 0;
  bool operator==(const Tolerated&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Tolerated& t) {
  return os << "{control " << t.control << ", nul " << t.nul << ", partial_char " << t.partial_char
            << ", eog_mid_char " << t.eog_mid_char << "}";
}

// Runs one grammar's sentence and returns the tolerated differences; everywhere else the masks
// must agree exactly. `excluded`: the non-ASCII characters the grammar's negated classes leave
// out.
Tolerated check_grammar(const std::string& name, const std::vector<std::string>& excluded = {}) {
  const json& doc = fixture();
  const json* g = nullptr;
  for (const json& x : doc["grammars"]) {
    if (x["name"] == name) g = &x;
  }
  EXPECT_NE(g, nullptr) << name << " is not in the fixture";
  if (g == nullptr) return {};
  const Vocabulary& v = smollm2();
  const Tokenizer& tok = *v.tokenizer;
  const int32_t n_vocab = doc["n_vocab"].get<int32_t>();
  EXPECT_EQ(v.table->n_vocab(), n_vocab);
  EXPECT_EQ(v.table->eog(), doc["eog"].get<std::vector<int32_t>>());
  const auto tokens = (*g)["tokens"].get<std::vector<int32_t>>();
  const std::string text = (*g)["text"].get<std::string>();
  EXPECT_EQ(tok.encode(text, {.add_special = false, .parse_special = false}), tokens) << name;

  const auto grammar = compile_gbnf((*g)["gbnf"].get<std::string>());
  GrammarConstraint constraint(grammar, v.table);
  GrammarMatcher matcher(grammar);  // follows the same output; asked about single strings
  const json& steps = (*g)["steps"];
  EXPECT_EQ(steps.size(), tokens.size() + 1);
  Tolerated tolerated;
  std::string output;
  int differing_steps = 0;
  for (size_t k = 0; k < steps.size(); ++k) {
    const std::vector<bool> oracle =
        decode_runs(doc["masks"][steps[k]["mask"].get<size_t>()].get<std::string>(), n_vocab);
    const std::vector<uint64_t>& bits = constraint.allowed_bits();
    const bool mid_char = missing_bytes(output) > 0;
    std::string only_oracle, only_minke;
    int n_only_oracle = 0, n_only_minke = 0;
    for (int32_t id = 0; id < n_vocab; ++id) {
      const bool minke = (bits[static_cast<size_t>(id) >> 6] >> (id & 63)) & 1;
      const bool llama = oracle[static_cast<size_t>(id)];
      const std::string& piece = v.pieces[static_cast<size_t>(id)];
      const auto where = [&] {
        return name + " step " + std::to_string(k) + " token " + std::to_string(id) + " '" +
               show(piece) + "'";
      };
      if (tok.is_eog(id)) {
        EXPECT_EQ(llama, steps[k]["eog_allowed"].get<bool>()) << where();
        if (mid_char) {
          EXPECT_FALSE(minke) << where();
          tolerated.eog_mid_char += llama;
          continue;
        }
      } else if (tok.is_control(id)) {
        EXPECT_FALSE(minke) << where();
        EXPECT_EQ(llama, matcher.allows(piece)) << where();
        tolerated.control += llama;
        continue;
      } else if (!piece.empty() && piece[0] == '\0') {
        EXPECT_FALSE(llama) << where();
        EXPECT_EQ(minke, matcher.allows(piece)) << where();
        tolerated.nul += minke;
        continue;
      } else if (minke && !llama && !partial_char(output + piece).empty() &&
                 excluded_completion(matcher, output, piece, excluded)) {
        EXPECT_TRUE(some_completion_allowed(matcher, output, piece)) << where();
        ++tolerated.partial_char;
        continue;
      }
      if (minke == llama) continue;
      std::string& list = llama ? only_oracle : only_minke;
      (llama ? n_only_oracle : n_only_minke)++;
      if (list.size() < 1500) list += " " + std::to_string(id) + "'" + show(piece) + "'";
    }
    if (n_only_oracle + n_only_minke > 0) {
      ++differing_steps;
      ADD_FAILURE() << name << " step " << k << " (after '" << show(output)
                    << "'): llama.cpp only (" << n_only_oracle << "):" << only_oracle
                    << "\n  minke only (" << n_only_minke << "):" << only_minke;
    }
    if (k == tokens.size()) break;
    const int32_t next = tokens[k];
    EXPECT_TRUE(constraint.accept(next)) << name << " step " << k;
    EXPECT_TRUE(matcher.accept(v.table->bytes(next))) << name << " step " << k;
    output += v.table->bytes(next);
  }
  EXPECT_EQ(output, text);
  EXPECT_TRUE(constraint.can_end()) << name;
  std::printf(
      "[grammar golden] %-15s %3zu steps x %d tokens: %d steps differ; tolerated: "
      "control %d, nul %d, partial_char %d, eog_mid_char %d\n",
      name.c_str(), steps.size(), n_vocab, differing_steps, tolerated.control, tolerated.nul,
      tolerated.partial_char, tolerated.eog_mid_char);
  return tolerated;
}

TEST(GrammarMaskGolden, FixtureHasEveryGrammar) {
  std::vector<std::string> names;
  for (const json& g : fixture()["grammars"]) names.push_back(g["name"].get<std::string>());
  EXPECT_EQ(names,
            (std::vector<std::string>{"json", "arithmetic", "unicode", "dot_negated", "repetition",
                                      "nested_optional", "optional_tail", "ambiguous"}));
  EXPECT_EQ(fixture()["model"], testing::kSmolLM2);
}

// The tolerated counts are pinned so that a new llama.cpp (or a Minke change) that moves them
// is looked at, not absorbed.
TEST(GrammarMaskGolden, Json) {
  // 25 steps inside a string, where the text of each of the 14 control tokens that do not end
  // generation fits the string's characters.
  EXPECT_EQ(check_grammar("json"), (Tolerated{.control = 350}));
}

TEST(GrammarMaskGolden, Arithmetic) { EXPECT_EQ(check_grammar("arithmetic"), Tolerated{}); }

TEST(GrammarMaskGolden, Unicode) { EXPECT_EQ(check_grammar("unicode"), Tolerated{}); }

TEST(GrammarMaskGolden, DotNegated) {
  // Control: 24 steps inside [^\n«»]+ or .+ (14 each). NUL: the same 24 steps. Partial
  // character: " \xC2" before the text, then "\xC2" and " \xC2" at its 12 steps (« and » are
  // U+00AB and U+00BB). End mid-character: after " \xF0\x9F\x98" (a space, at which .+ may
  // end, and the first bytes of an emoji), 3 end-of-generation ids.
  EXPECT_EQ(check_grammar("dot_negated", {"\xC2\xAB", "\xC2\xBB"}),
            (Tolerated{.control = 336, .nul = 24, .partial_char = 25, .eog_mid_char = 3}));
}

TEST(GrammarMaskGolden, Repetition) { EXPECT_EQ(check_grammar("repetition"), Tolerated{}); }

TEST(GrammarMaskGolden, NestedOptional) {
  EXPECT_EQ(check_grammar("nested_optional"), Tolerated{});
}

TEST(GrammarMaskGolden, OptionalTail) { EXPECT_EQ(check_grammar("optional_tail"), Tolerated{}); }

TEST(GrammarMaskGolden, Ambiguous) { EXPECT_EQ(check_grammar("ambiguous"), Tolerated{}); }

}  // namespace
}  // namespace minke
