// GrammarBuilder: see grammar_builder.h.
#include "grammar/grammar_builder.h"

#include <algorithm>

#include "minke/error.h"

namespace minke {

int32_t GrammarBuilder::rule(std::string_view name) {
  const auto it = by_name_.find(name);
  if (it != by_name_.end()) return it->second;
  const auto id = static_cast<int32_t>(rules_.size());
  rules_.emplace_back();
  names_.emplace_back(name);
  defined_.push_back(false);
  by_name_.emplace(std::string(name), id);
  return id;
}

int32_t GrammarBuilder::helper_rule(std::string_view hint) {
  for (;;) {
    // '@' never appears in a GBNF rule name, so a helper cannot take a name the text defines later.
    std::string name = std::string(hint) + "@" + std::to_string(++helpers_);
    if (by_name_.find(name) == by_name_.end()) return rule(name);
  }
}

bool GrammarBuilder::define(int32_t r, std::vector<Seq> alternatives) {
  const auto i = static_cast<size_t>(r);
  if (defined_[i]) return false;
  for (const Seq& alt : alternatives) n_symbols_ += alt.size() + 1;
  if (n_symbols_ > kMaxSymbols) {
    throw Error("grammar: too large: more than " + std::to_string(kMaxSymbols) +
                " symbols once repetitions are expanded; use smaller counts");
  }
  rules_[i] = std::move(alternatives);
  defined_[i] = true;
  return true;
}

GrammarBuilder::Sym GrammarBuilder::bytes(const ByteSet& set) {
  const auto it = std::find(byte_sets_.begin(), byte_sets_.end(), set);
  if (it != byte_sets_.end()) return {false, static_cast<int32_t>(it - byte_sets_.begin())};
  byte_sets_.push_back(set);
  return {false, static_cast<int32_t>(byte_sets_.size() - 1)};
}

void GrammarBuilder::append_code_point(uint32_t cp, Seq& seq) {
  std::vector<uint8_t> encoded;
  append_utf8(cp, encoded);
  for (const uint8_t b : encoded) {
    ByteSet s;
    s.add(b);
    seq.push_back(bytes(s));
  }
}

GrammarBuilder::Sym GrammarBuilder::code_points(const std::vector<CodePointRange>& ranges) {
  std::vector<uint32_t> key;
  for (const CodePointRange& r : ranges) key.insert(key.end(), {r.lo, r.hi});
  if (ranges.empty() || ranges.back().hi < 0x80) {
    ByteSet set;
    for (const CodePointRange& r : ranges) {
      set.add_range(static_cast<uint8_t>(r.lo), static_cast<uint8_t>(r.hi));
    }
    return bytes(set);
  }
  if (const auto it = class_rules_.find(key); it != class_rules_.end()) return {true, it->second};
  // One alternative holds every single-byte (ASCII) member; then one per multi-byte sequence.
  std::vector<Seq> alternatives;
  ByteSet ascii;
  bool has_ascii = false;
  for (const ByteRangeSeq& seq : utf8_sequences(ranges)) {
    if (seq.size() == 1) {
      ascii.add_range(seq[0].first, seq[0].second);
      has_ascii = true;
      continue;
    }
    Seq alt;
    for (const auto& [lo, hi] : seq) {
      ByteSet s;
      s.add_range(lo, hi);
      alt.push_back(bytes(s));
    }
    alternatives.push_back(std::move(alt));
  }
  if (has_ascii) alternatives.insert(alternatives.begin(), Seq{bytes(ascii)});
  const int32_t r = helper_rule("char");
  define(r, std::move(alternatives));
  class_rules_.emplace(std::move(key), r);
  return {true, r};
}

std::vector<bool> GrammarBuilder::nullable_rules() const {
  std::vector<bool> nullable(rules_.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < rules_.size(); ++r) {
      if (nullable[r]) continue;
      for (const Seq& alt : rules_[r]) {
        const bool all = std::all_of(alt.begin(), alt.end(), [&](const Sym& s) {
          return s.is_rule && nullable[static_cast<size_t>(s.arg)];
        });
        if (all) {
          nullable[r] = true;
          changed = true;
          break;
        }
      }
    }
  }
  return nullable;
}

// A rule that can reach itself without consuming a byte would make the matcher expand it
// forever; llama.cpp rejects these grammars too.
void GrammarBuilder::check_left_recursion(const std::vector<bool>& nullable) const {
  const size_t n = rules_.size();
  std::vector<std::vector<int32_t>> leftmost(n);
  for (size_t r = 0; r < n; ++r) {
    for (const Seq& alt : rules_[r]) {
      for (const Sym& s : alt) {
        if (!s.is_rule) break;
        leftmost[r].push_back(s.arg);
        if (!nullable[static_cast<size_t>(s.arg)]) break;
      }
    }
  }
  std::vector<int> color(n, 0);  // 0 unvisited, 1 on the path, 2 done
  std::vector<int32_t> path;
  auto visit = [&](auto&& self, int32_t r) -> void {
    color[static_cast<size_t>(r)] = 1;
    path.push_back(r);
    for (const int32_t next : leftmost[static_cast<size_t>(r)]) {
      if (color[static_cast<size_t>(next)] == 1) {
        std::string cycle;
        const auto from = std::find(path.begin(), path.end(), next);
        for (auto it = from; it != path.end(); ++it)
          cycle += names_[static_cast<size_t>(*it)] + " -> ";
        throw Error("grammar: left recursion (" + cycle + names_[static_cast<size_t>(next)] +
                    "): rewrite it with repetition or right recursion");
      }
      if (color[static_cast<size_t>(next)] == 0) self(self, next);
    }
    path.pop_back();
    color[static_cast<size_t>(r)] = 2;
  };
  for (size_t r = 0; r < n; ++r) {
    if (color[r] == 0) visit(visit, static_cast<int32_t>(r));
  }
}

std::shared_ptr<const Grammar> GrammarBuilder::build(std::string_view root) {
  const auto it = by_name_.find(root);
  if (it == by_name_.end() || !defined_[static_cast<size_t>(it->second)]) {
    throw Error("grammar: no rule named '" + std::string(root) + "' (the start rule)");
  }
  for (size_t r = 0; r < rules_.size(); ++r) {
    if (!defined_[r]) throw Error("grammar: rule '" + names_[r] + "' is used but never defined");
  }
  check_left_recursion(nullable_rules());
  auto g = std::make_shared<Grammar>();
  g->byte_sets = byte_sets_;
  g->rule_names = names_;
  g->root = it->second;
  g->alternatives.resize(rules_.size());
  for (size_t r = 0; r < rules_.size(); ++r) {
    for (const Seq& alt : rules_[r]) {
      g->alternatives[r].push_back(static_cast<int32_t>(g->elements.size()));
      for (const Sym& s : alt) {
        g->elements.push_back({s.is_rule ? ElementKind::kRule : ElementKind::kBytes, s.arg});
      }
      g->elements.push_back({ElementKind::kEnd, 0});
    }
  }
  return g;
}

}  // namespace minke
