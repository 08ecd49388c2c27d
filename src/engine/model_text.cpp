// tokenize_text and render_template: see model_text.h.
#include "engine/model_text.h"

#include <utility>

#include "chat/chat_template.h"
#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "tokenizer/tokenizer.h"

namespace minke {

std::vector<TokenPiece> tokenize_text(const TokenizeRequest& request, std::string_view text) {
  const auto gguf = GgufFile::open(request.model);
  const auto tokenizer = Tokenizer::from_gguf(*gguf, TokenizerOptions{.pre_override = request.pre});
  std::vector<TokenPiece> out;
  for (const int32_t id : tokenizer->encode(text, EncodeOptions{.add_special = request.add_special,
                                                  .parse_special = request.parse_special})) {
    out.push_back({id, tokenizer->token_to_piece(id, true)});
  }
  return out;
}

std::string render_template(const TemplateRequest& request) {
  const auto gguf = GgufFile::open(request.model);
  const GgufChatTemplate from_model = read_gguf_chat_template(*gguf);
  std::string source =
      request.template_source.empty() ? from_model.source : request.template_source;
  if (source.empty()) {
    throw Error(request.model +
                ": the model has no chat template (tokenizer.chat_template); pass one with "
                "--chat-template FILE.jinja");
  }
  ChatRenderOptions render{.add_generation_prompt = request.add_generation_prompt,
                           .bos_token = from_model.bos_token,
                           .eos_token = from_model.eos_token};
  if (!request.tools.is_null()) render.tools = request.tools;
  if (!request.extra.is_null()) render.extra = request.extra;
  const ChatTemplate tmpl = ChatTemplate::parse(std::move(source));
  return tmpl.render(request.messages, render);
}

}  // namespace minke
