// Golden test: every template in tests/golden/data/chat/templates/ rendered for every fixture
// conversation must equal jinja2's output byte for byte (scripts/make_golden_chat.py), or
// fail where jinja2 failed, with the same message for raise_exception().
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "chat/chat_template.h"
#include "minke/error.h"
#include "support/test_paths.h"

namespace minke {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ChatTemplateGolden, MatchesJinja2ForEveryTemplateAndConversation) {
  auto dir = testing::golden_dir() / "chat";
  std::ifstream f(dir / "expected.json");
  ASSERT_TRUE(f) << (dir / "expected.json") << " is missing";
  auto fixture = nlohmann::ordered_json::parse(f);
  std::tm now{};
  now.tm_year = 2025 - 1900;
  now.tm_mon = 2;
  now.tm_mday = 7;
  now.tm_hour = 14;
  now.tm_min = 5;
  now.tm_sec = 9;
  now.tm_wday = 5;  // Friday
  now.tm_yday = 65;
  std::map<std::string, ChatTemplate> templates;
  int total = 0, agree = 0;
  for (const auto& c : fixture["cases"]) {
    std::string name = c["template"];
    if (!templates.count(name))
      templates.emplace(name,
                        ChatTemplate::parse(read_file(dir / "templates" / (name + ".jinja"))));
    const auto& conv = fixture["conversations"][c["conversation"].get<std::string>()];
    ChatRenderOptions opts;
    opts.add_generation_prompt = c["add_generation_prompt"];
    opts.bos_token = c["bos_token"];
    opts.eos_token = c["eos_token"];
    if (conv.contains("tools")) opts.tools = conv["tools"];
    opts.extra = c["extra"];
    opts.now = now;
    std::string label = name + " / " + c["conversation"].get<std::string>() +
                        " / agp=" + (opts.add_generation_prompt ? "1" : "0") + " " +
                        c["extra"].dump();
    ++total;
    try {
      std::string got = templates.at(name).render(conv["messages"], opts);
      if (c.contains("output") && got == c["output"].get<std::string>()) {
        ++agree;
      } else if (c.contains("output")) {
        ADD_FAILURE() << label << "\n--- expected ---\n"
                      << c["output"].get<std::string>() << "\n--- got ---\n"
                      << got;
      } else {
        ADD_FAILURE() << label << ": jinja2 raised \"" << c["error"].get<std::string>()
                      << "\" but we rendered:\n"
                      << got;
      }
    } catch (const Error& e) {
      std::string msg = e.what();
      if (c.contains("error") && msg.find(c["error"].get<std::string>()) != std::string::npos) {
        ++agree;
      } else {
        ADD_FAILURE() << label << ": we raised \"" << msg << "\", jinja2 gave "
                      << (c.contains("error") ? "error \"" + c["error"].get<std::string>() + "\""
                                              : std::string("output"));
      }
    }
  }
  std::printf("chat template golden: %d/%d cases agree (%zu templates)\n", agree, total,
              templates.size());
  EXPECT_EQ(agree, total);
  EXPECT_GE(total, 200);
}

// One construct per snippet (filters, tests, methods, scoping, whitespace control, errors).
TEST(ChatTemplateGolden, SnippetsMatchJinja2) {
  auto dir = testing::golden_dir() / "chat";
  std::ifstream f(dir / "expected.json");
  ASSERT_TRUE(f) << (dir / "expected.json") << " is missing";
  auto fixture = nlohmann::ordered_json::parse(f);
  std::tm now{};
  now.tm_year = 2025 - 1900;
  now.tm_mon = 2;
  now.tm_mday = 7;
  now.tm_hour = 14;
  now.tm_min = 5;
  now.tm_sec = 9;
  now.tm_wday = 5;
  now.tm_yday = 65;
  int total = 0, agree = 0;
  for (const auto& c : fixture["snippets"]) {
    ++total;
    std::string name = c["name"];
    ChatRenderOptions opts;
    opts.extra = fixture["snippet_vars"];
    opts.now = now;
    try {
      std::string got =
          ChatTemplate::parse(c["source"]).render(nlohmann::ordered_json::array(), opts);
      if (c.contains("output") && got == c["output"].get<std::string>()) {
        ++agree;
      } else {
        ADD_FAILURE() << name << ": got \"" << got << "\", jinja2 "
                      << (c.contains("output") ? "\"" + c["output"].get<std::string>() + "\""
                                               : "raised " + c["error"].get<std::string>());
      }
    } catch (const Error& e) {
      std::string msg = e.what();
      if (c.contains("error") && msg.find(c["error"].get<std::string>()) != std::string::npos) {
        ++agree;
      } else {
        ADD_FAILURE() << name << ": we raised \"" << msg << "\"";
      }
    }
  }
  std::printf("chat template snippets: %d/%d agree\n", agree, total);
  EXPECT_EQ(agree, total);
}

}  // namespace
}  // namespace minke
