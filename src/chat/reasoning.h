// ReasoningSplitter: separates a model's reasoning (<think> ... </think>) from its answer in
// streamed text. Tags split across pieces are held back until it is certain whether they are
// tags, so a front end can show thinking apart from the answer while tokens arrive. As
// DeepSeek's API returns them, the whitespace around the tags belongs to neither side: the
// reasoning and the answer start at their first visible character, and the reasoning ends at its
// last (its trailing whitespace is held back until more text follows it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minke {

struct ReasoningOptions {
  std::string open_tag = "<think>";
  std::string close_tag = "</think>";
  // The prompt already opened the reasoning block (e.g. DeepSeek-R1's template ends with
  // "<think>\n"): the first output is thinking.
  bool start_in_reasoning = false;
};

struct ReasoningPiece {
  bool thinking = false;
  std::string text;
};

// Splits streamed generated text into reasoning and answer: <think> tags (ReasoningSplitter) or
// the Harmony format's channels (HarmonySplitter, chat/harmony.h).
class OutputSplitter {
 public:
  virtual ~OutputSplitter() = default;
  // Pieces (in order) that became certain with this text; markup itself is dropped.
  virtual std::vector<ReasoningPiece> push(std::string_view text) = 0;
  // Whatever is held back when the generation ends.
  virtual std::vector<ReasoningPiece> flush() = 0;
  // Whether the text now arriving is reasoning.
  virtual bool in_reasoning() const = 0;
};

class ReasoningSplitter final : public OutputSplitter {
 public:
  explicit ReasoningSplitter(ReasoningOptions options = {});
  // Pieces (in order) that became certain with this text; tags themselves are dropped.
  std::vector<ReasoningPiece> push(std::string_view text) override;
  // Whatever is held back (a partial tag that never completed), as plain text.
  std::vector<ReasoningPiece> flush() override;
  bool in_reasoning() const override { return thinking_; }

 private:
  void emit(std::vector<ReasoningPiece>& out, std::string_view text);

  ReasoningOptions options_;
  bool thinking_;
  bool skip_space_;      // just after a tag: leading whitespace is dropped
  std::string pending_;  // a suffix that may be the start of the next tag
};

// Whether a rendered chat prompt ends inside an open reasoning block (its last tag is `open`).
bool prompt_opens_reasoning(std::string_view prompt, const ReasoningOptions& options = {});

}  // namespace minke
