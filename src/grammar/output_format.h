// The grammar behind an OutputFormat (minke/generate.h): a JSON Schema, any JSON object, a
// GBNF grammar or a regular expression, preceded by the reasoning block a model writes first.
#pragma once

#include <string>

#include "minke/generate.h"

namespace minke {

struct ReasoningPrefix {
  // The prompt opened a <think> block (DeepSeek-R1's template): free reasoning comes first,
  // closed by "</think>", then the constrained answer.
  bool open = false;
  // The model may start with its own <think>...</think> block (Qwen3).
  bool optional = false;
  // The Harmony format (gpt-oss): the reasoning is an optional analysis message, "<|channel|>
  // analysis<|message|>...<|end|><|start|>assistant", and the answer a message of its own (the
  // final channel's header before a constrained answer; tool calls write theirs).
  bool harmony = false;
};

struct FormatGrammar {
  std::string gbnf;
  std::string root;  // the start rule
};

// The answer's grammar preceded by the reasoning block (unchanged without one).
FormatGrammar with_reasoning_prefix(FormatGrammar answer, const ReasoningPrefix& reasoning);

// Throws minke::Error naming what is unusable (a schema keyword, a regex feature, a grammar
// line). Not for Kind::kText.
FormatGrammar output_format_gbnf(const OutputFormat& format, const ReasoningPrefix& reasoning = {});

}  // namespace minke
