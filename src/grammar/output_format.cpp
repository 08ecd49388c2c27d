// output_format_gbnf: each format's translator, then the reasoning prefix as a wrapper rule.
#include "grammar/output_format.h"

#include <nlohmann/json.hpp>

#include "grammar/gbnf_writer.h"
#include "grammar/json_schema.h"
#include "grammar/regex_to_gbnf.h"
#include "minke/error.h"

namespace minke {

namespace {

constexpr const char* kOutputRule = "minke-output";
constexpr const char* kThinkOpen = "<think>";
constexpr const char* kThinkClose = "</think>";

FormatGrammar answer_gbnf(const OutputFormat& format) {
  switch (format.kind) {
    case OutputFormat::Kind::kJsonSchema: {
      nlohmann::ordered_json schema;  // ordered: properties keep the schema's order
      try {
        schema = nlohmann::ordered_json::parse(format.source);
      } catch (const nlohmann::ordered_json::exception& e) {
        throw Error(std::string("JSON schema: not valid JSON: ") + e.what());
      }
      return {json_schema_to_gbnf(schema), "root"};
    }
    case OutputFormat::Kind::kJsonObject:
      return {json_object_gbnf(), "root"};
    case OutputFormat::Kind::kGrammar:
      return {format.source, "root"};
    case OutputFormat::Kind::kRegex: {
      GbnfWriter out;
      const std::string root = regex_to_gbnf(format.source, out, "regex");
      return {out.text(), root};
    }
    case OutputFormat::Kind::kText:
      break;
  }
  throw Error("output format: plain text needs no grammar");
}

// Harmony: an optional analysis message, then `answer` (which writes its own header). The
// analysis holds no "<|": no marker the splitter would take for the message's end.
FormatGrammar with_harmony_analysis(FormatGrammar answer) {
  GbnfWriter out;
  const std::string thought = add_text_without(out, "minke-analysis", "<|");
  const std::string block = gbnf_literal("<|channel|>analysis<|message|>") + " " + thought + " " +
                            gbnf_literal("<|end|><|start|>assistant");
  out.add_rule(kOutputRule, "( " + block + " )? " + answer.root);
  return {answer.gbnf + out.text(), kOutputRule};
}

}  // namespace

FormatGrammar output_format_gbnf(const OutputFormat& format, const ReasoningPrefix& reasoning) {
  FormatGrammar answer = answer_gbnf(format);
  if (reasoning.harmony) {  // the answer is the final channel's message
    GbnfWriter out;
    out.add_rule("minke-final", gbnf_literal("<|channel|>final<|message|>") + " " + answer.root);
    answer = {answer.gbnf + out.text(), "minke-final"};
  }
  return with_reasoning_prefix(std::move(answer), reasoning);
}

FormatGrammar with_reasoning_prefix(FormatGrammar answer, const ReasoningPrefix& reasoning) {
  if (reasoning.harmony) return with_harmony_analysis(std::move(answer));
  if (!reasoning.open && !reasoning.optional) return answer;
  GbnfWriter out;
  const std::string thought = add_text_without(out, "minke-reasoning", kThinkClose);
  const std::string block = std::string(reasoning.open ? "" : gbnf_literal(kThinkOpen) + " ") +
                            thought + " " + gbnf_literal(kThinkClose) + " [ \\t\\r\\n]{0,8}";
  const std::string prefix = reasoning.open ? block : "( " + block + " )?";
  out.add_rule(kOutputRule, prefix + " " + answer.root);
  return {answer.gbnf + out.text(), kOutputRule};
}

}  // namespace minke
