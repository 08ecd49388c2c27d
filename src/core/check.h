// MINKE_CHECK: always-on invariant checks (programming errors, not bad input).
// A failed check prints file:line and the condition, then aborts.
#pragma once

#include <cstdio>
#include <cstdlib>

#define MINKE_CHECK(cond)                                                                          \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "minke: internal error: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                                         \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)
