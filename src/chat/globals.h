// The global functions chat templates may call, as jinja2 (and transformers' chat-template
// environment) define them: range (with the sandbox's MAX_RANGE), namespace, dict,
// raise_exception, strftime_now.
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <unordered_map>

#include "chat/value.h"

namespace minke::chat {

struct GlobalsContext {
  // Called with every namespace() the template creates (the evaluator tracks them).
  std::function<void(const Value&)> track_namespace;
  const std::tm* now = nullptr;  // strftime_now's time; null: the clock
};

void install_globals(std::unordered_map<std::string, Value>& vars, const GlobalsContext& context);

}  // namespace minke::chat
