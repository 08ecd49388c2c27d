// Tests of tool-call format names and detection: every committed chat template maps to its
// family's format, and the parser reads back the calls those templates write into the history.
#include "chat/tool_call_format.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chat/tool_call_test_util.h"
#include "support/test_paths.h"

namespace minke {
namespace {

using testing::ToolCall;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path << " is missing";
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string template_source(const std::string& name) {
  return read_text(testing::golden_dir() / "chat" / "templates" / (name + ".jinja"));
}

TEST(ToolCallFormat, NamesRoundTrip) {
  const std::vector<std::string> names = tool_call_format_names();
  ASSERT_EQ(names.size(), testing::all_formats().size());
  for (size_t i = 0; i < names.size(); ++i) {
    const ToolCallFormat format = testing::all_formats()[i];
    EXPECT_EQ(names[i], tool_call_format_name(format));
    EXPECT_EQ(tool_call_format_from_name(names[i]), format);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"generic", "hermes", "llama3", "deepseek-v3",
                                             "deepseek-v3.1", "mistral", "kimi-k2", "granite",
                                             "harmony", "qwen-xml", "glm", "gemma4"}));
  EXPECT_EQ(tool_call_format_from_name("Hermes"), std::nullopt);
  EXPECT_EQ(tool_call_format_from_name(""), std::nullopt);
}

TEST(ToolCallFormat, Openings) {
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kGeneric), "");
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kLlama3Json), "");
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kHermes), "<tool_call>");
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kDeepSeekV3), "<｜tool▁calls▁begin｜>");
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kDeepSeekV31), "<｜tool▁calls▁begin｜>");
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kMistral), "[TOOL_CALLS]");
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kKimiK2), "<|tool_calls_section_begin|>");
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kGranite), "<|tool_call|>");
  EXPECT_EQ(tool_call_opening(ToolCallFormat::kHarmony), "<|channel|>commentary to=");
}

struct TemplateCase {
  const char* name;
  ToolCallFormat format;
  bool renders_tools;
};

// Every template under tests/golden/data/chat/templates/.
const TemplateCase kTemplates[] = {
    {"qwen2.5-7b-instruct", ToolCallFormat::kHermes, true},
    {"qwen2.5-coder-0.5b-instruct", ToolCallFormat::kHermes, true},
    {"qwen3-0.6b", ToolCallFormat::kHermes, true},
    {"qwq-32b", ToolCallFormat::kHermes, true},
    {"hermes-3-llama-3.1-8b-tool-use", ToolCallFormat::kHermes, true},
    {"llama-3.1-8b-instruct", ToolCallFormat::kLlama3Json, true},
    {"llama-3.2-3b-instruct", ToolCallFormat::kLlama3Json, true},
    {"deepseek-r1-distill-qwen-32b", ToolCallFormat::kDeepSeekV3, false},
    {"deepseek-r1-distill-llama-8b", ToolCallFormat::kDeepSeekV3, false},
    {"deepseek-v3.1", ToolCallFormat::kDeepSeekV31, false},
    {"mistral-nemo-instruct-2407", ToolCallFormat::kMistral, true},
    {"kimi-k2", ToolCallFormat::kKimiK2, true},
    {"granite-3.3-2b-instruct", ToolCallFormat::kGranite, true},
    {"smollm2-135m-instruct", ToolCallFormat::kGeneric, false},
    {"gemma-3-it", ToolCallFormat::kGeneric, false},
    {"gemma-2-2b-it", ToolCallFormat::kGeneric, false},
    {"phi-3.5-mini-instruct", ToolCallFormat::kGeneric, false},
    {"gpt-oss-120b", ToolCallFormat::kHarmony, true},
    {"qwen3.5-4b", ToolCallFormat::kQwenXml, true},
    {"glm-4.6", ToolCallFormat::kGlm, true},
    {"gemma-4-31b-it", ToolCallFormat::kGemma4, true},
};

TEST(ToolCallFormat, DetectsEveryTemplatesFormat) {
  for (const TemplateCase& t : kTemplates) {
    EXPECT_EQ(tool_call_format_name(detect_tool_call_format(template_source(t.name))),
              std::string(tool_call_format_name(t.format)))
        << t.name;
  }
}

TEST(ToolCallFormat, KnowsWhichTemplatesRenderTools) {
  for (const TemplateCase& t : kTemplates) {
    EXPECT_EQ(template_renders_tools(template_source(t.name)), t.renders_tools) << t.name;
  }
}

TEST(ToolCallFormat, EveryCommittedTemplateIsInTheTable) {
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::golden_dir() / "chat" / "templates")) {
    if (entry.path().extension() != ".jinja") continue;
    ++files;
    const std::string stem = entry.path().stem().string();
    bool listed = false;
    for (const TemplateCase& t : kTemplates) listed |= stem == t.name;
    EXPECT_TRUE(listed) << stem << " has no expected tool-call format";
  }
  EXPECT_EQ(files, std::size(kTemplates));
}

TEST(ToolCallFormat, DetectionKeysOnMarkersNotFamilies) {
  EXPECT_EQ(detect_tool_call_format(""), ToolCallFormat::kGeneric);
  EXPECT_EQ(detect_tool_call_format("{{ '<|start_header_id|>' }}"), ToolCallFormat::kGeneric);
  // "parameters" alone (a tool description) is not the Llama 3 instruction.
  EXPECT_EQ(detect_tool_call_format("{{ '\"parameters\"' }}"), ToolCallFormat::kGeneric);
  EXPECT_EQ(detect_tool_call_format("ipython \"parameters\""), ToolCallFormat::kLlama3Json);
  EXPECT_EQ(detect_tool_call_format("<|python_tag|> \"parameters\""), ToolCallFormat::kLlama3Json);
  EXPECT_EQ(detect_tool_call_format("ipython \"parameters\" <tool_call>"), ToolCallFormat::kHermes);
  EXPECT_EQ(detect_tool_call_format("<｜tool▁calls▁begin｜>'+name+'<｜tool▁sep｜>"),
            ToolCallFormat::kDeepSeekV31);
  EXPECT_EQ(detect_tool_call_format("<｜tool▁calls▁begin｜>function<｜tool▁sep｜>"),
            ToolCallFormat::kDeepSeekV3);
  EXPECT_EQ(detect_tool_call_format("<｜tool▁calls▁begin｜> ```json"), ToolCallFormat::kDeepSeekV3);
  EXPECT_EQ(detect_tool_call_format("[TOOL_CALLS]"), ToolCallFormat::kMistral);
  EXPECT_EQ(detect_tool_call_format("<|tool_call|>"), ToolCallFormat::kGranite);
  EXPECT_EQ(detect_tool_call_format("<|tool_calls_section_begin|>"), ToolCallFormat::kKimiK2);
  EXPECT_EQ(detect_tool_call_format("<|start|>assistant<|channel|>"), ToolCallFormat::kHarmony);
}

TEST(ToolCallFormat, RendersToolsLooksAtCodeOnly) {
  EXPECT_TRUE(template_renders_tools("{% if tools %}x{% endif %}"));
  EXPECT_TRUE(template_renders_tools("{{- tools | tojson }}"));
  EXPECT_TRUE(template_renders_tools("{%- for t in tools -%}{%- endfor %}"));
  EXPECT_TRUE(template_renders_tools("{{ '}}' }}{{ tools }}"));
  EXPECT_FALSE(template_renders_tools("You have tools. <tools></tools>"));
  EXPECT_FALSE(template_renders_tools("{{ 'tools' }}{{ \"<tools>\" }}"));
  EXPECT_FALSE(template_renders_tools("{# tools go here #}{{ x }}"));
  EXPECT_FALSE(template_renders_tools("{% if builtin_tools or tools_in_user_message %}"));
  EXPECT_FALSE(template_renders_tools("{{ message.tools }}{{ tool_calls }}"));
  EXPECT_FALSE(template_renders_tools("{{ tools"));  // never closes
}

// --- the calls each template writes into the history, parsed back -----------------------------

const nlohmann::json& fixture() {
  static const nlohmann::json j =
      nlohmann::json::parse(read_text(testing::golden_dir() / "chat" / "expected.json"));
  return j;
}

// The fixture's rendering of `conversation` by `name` (no generation prompt, no extra variables).
std::string rendering(const std::string& name, const std::string& conversation) {
  for (const nlohmann::json& c : fixture()["cases"]) {
    if (c["template"] == name && c["conversation"] == conversation &&
        c["add_generation_prompt"] == false && c["extra"].empty() && c.contains("output")) {
      return c["output"].get<std::string>();
    }
  }
  ADD_FAILURE() << "no rendering of " << conversation << " by " << name;
  return {};
}

// The assistant turn with the calls: from the first `begin` after the user message up to `end`.
std::string assistant_turn(const std::string& rendering, const std::string& user,
                           const std::string& begin, const std::string& end) {
  const size_t at_user = rendering.find(user);
  const size_t at = rendering.find(begin, at_user);
  if (at_user == std::string::npos || at == std::string::npos) return "(turn not found)";
  const size_t from = at + begin.size();
  return rendering.substr(from, rendering.find(end, from) - from);
}

struct HistoryCase {
  const char* name;
  const char* begin;  // what opens the assistant turn
  const char* end;    // what closes it
};

const std::vector<ToolCall> kOsloRome = {{"get_weather", R"({"city":"Oslo"})", "c00000001"},
                                         {"get_weather", R"({"city":"Rome"})", "c00000002"}};

// Templates whose history rendering of the "tools_string_args" conversation (two get_weather
// calls whose arguments are JSON strings) is the format the model generates. Qwen2.5/QwQ and
// Kimi write the arguments as a JSON-encoded string, which the parser accepts too. The R1
// distills write no calls for a turn whose content is "", Granite never writes them, and Llama
// 3.x refuses two calls.
TEST(ToolCallFormat, ParsesTheTwoCallsTemplatesWriteIntoHistory) {
  const HistoryCase cases[] = {
      {"qwen2.5-7b-instruct", "<|im_start|>assistant\n", "<|im_end|>"},
      {"qwen2.5-coder-0.5b-instruct", "<|im_start|>assistant\n", "<|im_end|>"},
      {"qwen3-0.6b", "<|im_start|>assistant\n", "<|im_end|>"},
      {"qwq-32b", "<|im_start|>assistant\n", "<|im_end|>"},
      {"hermes-3-llama-3.1-8b-tool-use", "<|im_start|>assistant\n", "<|im_end|>"},
      {"deepseek-v3.1", "<｜Assistant｜></think>", "<｜end▁of▁sentence｜>"},
      {"mistral-nemo-instruct-2407", "[/INST]", "</s>"},
      {"kimi-k2", "<|im_assistant|>assistant<|im_middle|>", "<|im_end|>"},
  };
  for (const HistoryCase& h : cases) {
    const ToolCallFormat format = detect_tool_call_format(template_source(h.name));
    const std::string turn = assistant_turn(rendering(h.name, "tools_string_args"),
                                            "Weather in Oslo and Rome?", h.begin, h.end);
    const ParsedToolOutput out = parse_tool_calls(format, turn);
    SCOPED_TRACE(std::string(h.name) + ": " + turn);
    EXPECT_EQ(out.content, "");
    testing::expect_calls(out.calls, kOsloRome, format == ToolCallFormat::kMistral);
  }
}

// The "tools_dict_args" conversation: one call with object arguments, as Llama 3.x writes it too.
TEST(ToolCallFormat, ParsesTheCallTemplatesWriteForObjectArguments) {
  const HistoryCase cases[] = {
      {"qwen2.5-7b-instruct", "<|im_start|>assistant\n", "<|im_end|>"},
      {"hermes-3-llama-3.1-8b-tool-use", "<|im_start|>assistant\n", "<|im_end|>"},
      {"llama-3.1-8b-instruct", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"},
      {"llama-3.2-3b-instruct", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"},
      {"mistral-nemo-instruct-2407", "[/INST]", "</s>"},
      {"kimi-k2", "<|im_assistant|>assistant<|im_middle|>", "<|im_end|>"},
  };
  const std::vector<ToolCall> paris = {
      {"get_weather", R"({"city":"Paris","unit":"celsius"})", "call00001"}};
  for (const HistoryCase& h : cases) {
    const ToolCallFormat format = detect_tool_call_format(template_source(h.name));
    const std::string turn =
        assistant_turn(rendering(h.name, "tools_dict_args"), "Weather in Paris?", h.begin, h.end);
    const ParsedToolOutput out = parse_tool_calls(format, turn);
    SCOPED_TRACE(std::string(h.name) + ": " + turn);
    EXPECT_EQ(out.content, "");
    testing::expect_calls(out.calls, paris, format == ToolCallFormat::kMistral);
  }
}

// The R1 distills' template writes (for a turn whose content is none) '<｜tool▁calls▁begin｜>
// <｜tool▁call▁begin｜>' + type + '<｜tool▁sep｜>' + name + '\n```json\n' + arguments +
// '\n```<｜tool▁call▁end｜>', the next call after '\n', then '<｜tool▁calls▁end｜>'; the fixture
// has no such turn, so this is the template's concatenation written out.
TEST(ToolCallFormat, ParsesWhatTheR1DistillTemplateWrites) {
  const std::string source = template_source("deepseek-r1-distill-qwen-32b");
  ASSERT_NE(source.find("'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + "
                        "tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + "
                        "'```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + "
                        "'<｜tool▁call▁end｜>'"),
            std::string::npos);
  const std::string turn =
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
      "{\"city\": \"Oslo\"}\n```<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>"
      "get_weather\n```json\n{\"city\": \"Rome\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  const ParsedToolOutput out = parse_tool_calls(detect_tool_call_format(source), turn);
  EXPECT_EQ(out.content, "");
  testing::expect_calls(out.calls, kOsloRome, false);
  EXPECT_EQ(turn, testing::write_tool_calls(ToolCallFormat::kDeepSeekV3,
                                            {{"get_weather", R"({"city": "Oslo"})", ""},
                                             {"get_weather", R"({"city": "Rome"})", ""}}));
}

}  // namespace
}  // namespace minke
