// StopMatcher: finds stop strings in streamed text. Text that might be the start of a stop
// string is held back until the next piece decides, so a stop string never reaches the user.
// push() reuses the matcher's buffers, so matching a token's text allocates nothing once they
// have grown to the longest piece seen.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minke {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  struct Result {
    std::string_view text;  // safe to emit now; valid until the next push()
    bool stopped = false;   // a stop string was found; `text` ends right before it
  };
  Result push(std::string_view text);
  std::string flush();  // the held-back text, at the end of a generation that did not stop

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  std::string out_;  // what push() released
};

}  // namespace minke
