// libFuzzer target for the server's request parsing: arbitrary bytes as a request body, parsed
// as the server parses it (parse_request_body), then checked as a chat and as a completion
// request, and a parsed request's fields touched. Only minke::Error (ApiError) may come out of
// the checks; sanitizers catch the rest.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/openai_request.h"

namespace {

// As the server sends it: a parse error's message quotes the body's bytes, which need not be
// UTF-8, so invalid sequences become U+FFFD (openai_response.cpp's dump).
void dump_error(const minke::ApiError& e) {
  (void)minke::error_body(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void touch(const minke::GenerationRequest& r) {
  (void)r.model.size();
  (void)r.options.sampling.temperature;
  for (const std::string& s : r.options.stop) (void)s.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::ordered_json body;
  try {
    body = minke::parse_request_body(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const minke::ApiError& e) {
    dump_error(e);
    return 0;
  }
  try {
    const minke::ChatRequest chat = minke::parse_chat_request(body);
    touch(chat);
    for (const minke::ChatMessage& m : chat.messages) (void)(m.role.size() + m.content.size());
  } catch (const minke::ApiError& e) {
    dump_error(e);
  }
  try {
    const minke::CompletionRequest completion = minke::parse_completion_request(body);
    touch(completion);
  } catch (const minke::ApiError& e) {
    dump_error(e);
  }
  return 0;
}
