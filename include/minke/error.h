// minke::Error: the one exception type Minke throws for input-driven failures
// (bad files, bad metadata, bad requests, exhausted resources). The message is
// written for the user: it says what is wrong and where.
#pragma once

#include <stdexcept>
#include <string>

namespace minke {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// The model could not compute a request that was valid (a server answers 500, not 400).
class ModelFailure : public Error {
 public:
  using Error::Error;
};

}  // namespace minke
