// The OpenAI request bodies Minke serves, parsed and checked: /v1/chat/completions and
// /v1/completions. Anything a client can get wrong throws ApiError with OpenAI's error fields
// (HTTP status, type, the parameter at fault), so the server answers it as OpenAI would.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "minke/error.h"
#include "minke/generate.h"
#include "minke/minke.h"

namespace minke {

class ApiError : public Error {
 public:
  ApiError(int status, std::string type, std::string message, std::string param = {},
           std::string code = {})
      : Error(message),
        status(status),
        type(std::move(type)),
        param(std::move(param)),
        code(std::move(code)) {}

  static ApiError invalid(std::string message, std::string param = {}, std::string code = {}) {
    return ApiError(400, "invalid_request_error", std::move(message), std::move(param),
                    std::move(code));
  }

  int status;
  std::string type;
  std::string param;
  std::string code;
};

// {"error": {"message", "type", "param", "code"}} (param and code null when empty).
nlohmann::json error_body(const ApiError& e);

// Fields both endpoints share.
struct GenerationRequest {
  std::string model;
  GenerateOptions options;  // sampling, max_tokens, stop
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  int32_t n = 1;               // choices, each sampled on its own (seed + index when seeded)
};

struct ChatRequest : GenerationRequest {
  std::vector<ChatMessage> messages;
};

struct CompletionRequest : GenerationRequest {
  std::string prompt;                  // a string prompt, or
  std::vector<int32_t> prompt_tokens;  // a token-id prompt (prompt empty then)
};

// The most choices one request may ask for.
inline constexpr int32_t kMaxChoices = 16;

// A request body as JSON, ordered (a JSON Schema's properties keep the client's order). Throws
// ApiError 400 for invalid JSON or nesting deeper than kMaxJsonNesting (chat/bounded_json.h):
// the code that walks a body later (dump(), the schema compiler, the chat template's values)
// recurses once per level.
nlohmann::ordered_json parse_request_body(std::string_view body);

ChatRequest parse_chat_request(const nlohmann::ordered_json& body);
CompletionRequest parse_completion_request(const nlohmann::ordered_json& body);

}  // namespace minke
