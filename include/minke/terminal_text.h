// Text from a model file (metadata, token pieces, template errors, generated text) is
// untrusted: a downloaded file could otherwise drive the user's terminal with escape
// sequences. terminal_safe() shows it as text: C0 and C1 control characters, DEL and invalid
// UTF-8 become visible \xNN escapes (\n and \t kept only when asked).
#pragma once

#include <string>
#include <string_view>

namespace minke {

struct TerminalSafeOptions {
  bool keep_newlines = false;  // keep \n and \t (multi-line text); else escape them
  size_t max_bytes = 0;        // cut the input to this many bytes first; 0: no cut
};

std::string terminal_safe(std::string_view text, TerminalSafeOptions options = {});

// Whether `text` is valid UTF-8 without control characters (C0, DEL, C1).
bool is_clean_text(std::string_view text);

}  // namespace minke
