// The web chat page served at / (src/server/web/chat.html, compiled in by CMake).
#pragma once

#include <string_view>

namespace minke {

std::string_view web_chat_page();

}  // namespace minke
