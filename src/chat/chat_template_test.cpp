// ChatTemplate facade: rendering an OpenAI-style conversation and reading templates from GGUF.
#include "chat/chat_template.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "support/test_paths.h"

namespace minke {
namespace {

const char* kChatml =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

TEST(ChatTemplate, RendersMessagesAndOptions) {
  ChatTemplate t = ChatTemplate::parse(kChatml);
  auto messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": "Hi"}])");
  ChatRenderOptions opts;
  EXPECT_EQ(t.render(messages, opts), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  opts.add_generation_prompt = false;
  EXPECT_EQ(t.render(messages, opts), "<|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatTemplate, ToolsExtraVariablesAndKeyOrder) {
  ChatTemplate t = ChatTemplate::parse(
      "{{ bos_token }}{{ tools is none }}{{ enable_thinking }}{{ messages[0]|tojson }}");
  ChatRenderOptions opts;
  opts.bos_token = "<s>";
  opts.extra = {{"enable_thinking", false}};
  // ordered_json keeps the client's key order, as Python dicts do.
  auto messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": "é"}])");
  EXPECT_EQ(t.render(messages, opts), "<s>TrueFalse{\"role\": \"user\", \"content\": \"é\"}");
  opts.tools = nlohmann::ordered_json::array();
  EXPECT_EQ(t.render(messages, opts).substr(3, 5), "False");
}

TEST(ChatTemplate, ErrorsAreMinkeErrors) {
  EXPECT_THROW(ChatTemplate::parse("{{ x | wordwrap }}"), Error);
  ChatTemplate t = ChatTemplate::parse("{{ raise_exception('System role not supported') }}");
  try {
    t.render(nlohmann::ordered_json::array(), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "chat template 1:4: System role not supported");
  }
}

TEST(ChatTemplate, ReadsTemplateAndSpecialTokensFromGguf) {
  auto path = testing::model_path(testing::kSmolLM2);
  ASSERT_TRUE(std::filesystem::exists(path)) << testing::model_missing_message(path);
  auto file = GgufFile::open(path.string());
  GgufChatTemplate info = read_gguf_chat_template(*file);
  EXPECT_EQ(info.bos_token, "<|im_start|>");
  EXPECT_EQ(info.eos_token, "<|im_end|>");
  ASSERT_FALSE(info.source.empty());
  ChatTemplate t = ChatTemplate::parse(info.source);
  auto messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": "Hi"}])");
  ChatRenderOptions opts;
  opts.bos_token = info.bos_token;
  opts.eos_token = info.eos_token;
  std::string out = t.render(messages, opts);
  EXPECT_NE(out.find("<|im_start|>user\nHi<|im_end|>"), std::string::npos) << out;

  // Gemma 3 270M is a base model: no template, but its special tokens are read.
  auto gemma = GgufFile::open(testing::model_path(testing::kGemma3).string());
  GgufChatTemplate g = read_gguf_chat_template(*gemma);
  EXPECT_TRUE(g.source.empty());
  EXPECT_EQ(g.bos_token, "<bos>");
  EXPECT_EQ(g.eos_token, "<eos>");
}

}  // namespace
}  // namespace minke
