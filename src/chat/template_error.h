// TemplateError: what the chat-template interpreter throws. Raised deep inside evaluation
// without a position; the evaluator adds "chat template L:C:" from the node being evaluated.
#pragma once

#include <string>

#include "minke/error.h"

namespace minke::chat {

class TemplateError : public minke::Error {
 public:
  explicit TemplateError(const std::string& message, bool located = false)
      : minke::Error(message), located_(located) {}
  bool located() const { return located_; }

 private:
  bool located_;
};

[[noreturn]] inline void fail(const std::string& message) { throw TemplateError(message); }

// Formats "chat template L:C: message".
inline std::string at(int line, int column, const std::string& message) {
  return "chat template " + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

}  // namespace minke::chat
