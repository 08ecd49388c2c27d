// Test helpers for tool calls: writes calls in each format exactly as tool_call_format.h describes
// it (the text a model or the grammar produces), so tests can parse it back.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/tool_call_format.h"

namespace minke::testing {

struct ToolCall {
  std::string name;
  std::string arguments;  // JSON text written as is
  std::string id;         // written by kMistral only
};

inline std::string join_calls(const std::vector<ToolCall>& calls, std::string_view separator,
                              std::string (*write_one)(const ToolCall&, size_t)) {
  std::string out;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i > 0) out += separator;
    out += write_one(calls[i], i);
  }
  return out;
}

inline std::string name_and_arguments(const ToolCall& c, const char* args_key) {
  return "{\"name\": \"" + c.name + "\", \"" + args_key + "\": " + c.arguments;
}

// The tagged formats' parameter blocks: open + key + mid + value + close per argument, strings
// as raw text and other values as JSON. Hostile tests' arguments (not JSON, or too deep to write
// back) become one parameter "a" of that text.
inline std::string tagged_arguments(const std::string& arguments, const std::string& open,
                                    const std::string& mid, const std::string& close) {
  const bool huge = arguments.size() > 4096;
  const auto args =
      huge ? nlohmann::ordered_json() : nlohmann::ordered_json::parse(arguments, nullptr, false);
  if (!args.is_object()) return open + "a" + mid + arguments + close;
  std::string out;
  for (const auto& [key, value] : args.items()) {
    out += open + key + mid + (value.is_string() ? value.get<std::string>() : value.dump()) + close;
  }
  return out;
}

// A JSON value in Gemma 4's dialect: bare keys, strings between <|"|> marks.
inline std::string gemma4_value(const nlohmann::ordered_json& v) {
  if (v.is_string()) return "<|\"|>" + v.get<std::string>() + "<|\"|>";
  if (v.is_object()) {
    std::string out = "{";
    for (const auto& [key, item] : v.items()) {
      out += (out.size() > 1 ? "," : "") + key + ":" + gemma4_value(item);
    }
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (const auto& item : v) out += (out.size() > 1 ? "," : "") + gemma4_value(item);
    return out + "]";
  }
  return v.dump();
}

// Gemma 4's arguments; hostile tests' (not JSON, or too deep to write back) as they are.
inline std::string gemma4_arguments(const std::string& arguments) {
  const auto args = arguments.size() > 4096
                        ? nlohmann::ordered_json()
                        : nlohmann::ordered_json::parse(arguments, nullptr, false);
  return args.is_object() ? gemma4_value(args) : arguments;
}

// The calls as the format writes them (kLlama3Json writes the first call only).
inline std::string write_tool_calls(ToolCallFormat format, const std::vector<ToolCall>& calls) {
  switch (format) {
    case ToolCallFormat::kGeneric:
      return "{\"tool_calls\": [" +
             join_calls(calls, ", ",
                        [](const ToolCall& c, size_t) {
                          return name_and_arguments(c, "arguments") + "}";
                        }) +
             "]}";
    case ToolCallFormat::kHermes:
      return join_calls(calls, "\n", [](const ToolCall& c, size_t) {
        return "<tool_call>\n" + name_and_arguments(c, "arguments") + "}\n</tool_call>";
      });
    case ToolCallFormat::kLlama3Json:
      return name_and_arguments(calls.at(0), "parameters") + "}";
    case ToolCallFormat::kDeepSeekV3:
      return "<｜tool▁calls▁begin｜>" +
             join_calls(calls, "\n",
                        [](const ToolCall& c, size_t) {
                          return "<｜tool▁call▁begin｜>function<｜tool▁sep｜>" + c.name +
                                 "\n```json\n" + c.arguments + "\n```<｜tool▁call▁end｜>";
                        }) +
             "<｜tool▁calls▁end｜>";
    case ToolCallFormat::kDeepSeekV31:
      return "<｜tool▁calls▁begin｜>" +
             join_calls(calls, "",
                        [](const ToolCall& c, size_t) {
                          return "<｜tool▁call▁begin｜>" + c.name + "<｜tool▁sep｜>" + c.arguments +
                                 "<｜tool▁call▁end｜>";
                        }) +
             "<｜tool▁calls▁end｜>";
    case ToolCallFormat::kMistral:
      return "[TOOL_CALLS][" +
             join_calls(calls, ", ",
                        [](const ToolCall& c, size_t) {
                          return name_and_arguments(c, "arguments") + ", \"id\": \"" + c.id + "\"}";
                        }) +
             "]";
    case ToolCallFormat::kKimiK2:
      return "<|tool_calls_section_begin|>" +
             join_calls(calls, "",
                        [](const ToolCall& c, size_t i) {
                          return "<|tool_call_begin|>functions." + c.name + ":" +
                                 std::to_string(i) + "<|tool_call_argument_begin|>" + c.arguments +
                                 "<|tool_call_end|>";
                        }) +
             "<|tool_calls_section_end|>";
    case ToolCallFormat::kGranite:
      return "<|tool_call|>[" +
             join_calls(calls, ", ",
                        [](const ToolCall& c, size_t) {
                          return name_and_arguments(c, "arguments") + "}";
                        }) +
             "]";
    case ToolCallFormat::kHarmony:  // the canonical form HarmonySplitter writes
      return join_calls(calls, "", [](const ToolCall& c, size_t) {
        return "<|channel|>commentary to=functions." + c.name + "<|message|>" + c.arguments +
               "<|call|>";
      });
    case ToolCallFormat::kQwenXml:  // strings as raw text, other values as JSON
      return join_calls(calls, "\n", [](const ToolCall& c, size_t) {
        return "<tool_call>\n<function=" + c.name + ">\n" +
               tagged_arguments(c.arguments, "<parameter=", ">\n", "\n</parameter>\n") +
               "</function>\n</tool_call>";
      });
    case ToolCallFormat::kGemma4:
      return join_calls(calls, "", [](const ToolCall& c, size_t) {
        return "<|tool_call>call:" + c.name + gemma4_arguments(c.arguments) + "<tool_call|>";
      });
    case ToolCallFormat::kGlm:
      return join_calls(calls, "\n", [](const ToolCall& c, size_t) {
        return "<tool_call>" + c.name + "\n" +
               tagged_arguments(c.arguments, "<arg_key>", "</arg_key>\n<arg_value>",
                                "</arg_value>\n") +
               "</tool_call>";
      });
  }
  return {};
}

inline const std::vector<ToolCallFormat>& all_formats() {
  static const std::vector<ToolCallFormat> formats = {
      ToolCallFormat::kGeneric,    ToolCallFormat::kHermes,      ToolCallFormat::kLlama3Json,
      ToolCallFormat::kDeepSeekV3, ToolCallFormat::kDeepSeekV31, ToolCallFormat::kMistral,
      ToolCallFormat::kKimiK2,     ToolCallFormat::kGranite,     ToolCallFormat::kHarmony,
      ToolCallFormat::kQwenXml,    ToolCallFormat::kGlm,         ToolCallFormat::kGemma4};
  return formats;
}

// Formats whose calls may follow free text (they have an opening marker).
inline std::vector<ToolCallFormat> marked_formats() {
  std::vector<ToolCallFormat> out;
  for (ToolCallFormat f : all_formats()) {
    if (!tool_call_opening(f).empty()) out.push_back(f);
  }
  return out;
}

// Checks parsed calls against the expected ones (arguments compare as text: compact JSON).
inline void expect_calls(const std::vector<ParsedToolCall>& got, const std::vector<ToolCall>& want,
                         bool with_ids) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name) << "call " << i;
    EXPECT_EQ(got[i].arguments, want[i].arguments) << "call " << i;
    EXPECT_EQ(got[i].id, with_ids ? want[i].id : "") << "call " << i;
  }
}

}  // namespace minke::testing
