// GrammarBuilder: assembles a Grammar rule by rule (the GBNF parser and tests use it), then
// checks it (every rule defined, no left recursion) and flattens it into Grammar's element array.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/grammar.h"
#include "grammar/utf8_ranges.h"

namespace minke {

class GrammarBuilder {
 public:
  // The most symbols a grammar may hold (repetition counts multiply quickly: ("a"{9999}){9999}).
  static constexpr size_t kMaxSymbols = size_t{1} << 21;

  struct Sym {
    bool is_rule;
    int32_t arg;  // byte set index or rule id
  };
  using Seq = std::vector<Sym>;

  // The rule called `name`, created (undefined) on first use.
  int32_t rule(std::string_view name);
  // A new helper rule named after `hint` (hint-1, hint-2, ...), defined by the caller.
  int32_t helper_rule(std::string_view hint);
  // Defines a rule; false when it was already defined.
  bool define(int32_t rule, std::vector<Seq> alternatives);
  bool defined(int32_t rule) const { return defined_[static_cast<size_t>(rule)]; }

  Sym bytes(const ByteSet& set);
  // A symbol for one code point out of `ranges` (normalized): a byte set when they are all
  // ASCII, else a helper rule over their UTF-8 sequences (shared by identical classes).
  Sym code_points(const std::vector<CodePointRange>& ranges);
  // Appends the UTF-8 bytes of a code point as byte-set symbols.
  void append_code_point(uint32_t cp, Seq& seq);

  // Throws minke::Error naming an undefined rule, a missing root or left recursion.
  std::shared_ptr<const Grammar> build(std::string_view root);

 private:
  void check_left_recursion(const std::vector<bool>& nullable) const;
  std::vector<bool> nullable_rules() const;

  std::vector<std::vector<Seq>> rules_;
  std::vector<std::string> names_;
  std::vector<bool> defined_;
  std::map<std::string, int32_t, std::less<>> by_name_;
  std::vector<ByteSet> byte_sets_;
  std::map<std::vector<uint32_t>, int32_t> class_rules_;  // ranges (lo, hi, ...) -> rule
  int32_t helpers_ = 0;
  size_t n_symbols_ = 0;
};

}  // namespace minke
