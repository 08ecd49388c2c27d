// MINKE_CHECK: always-on invariant checks (programming errors, not bad input).
// A failed check prints file:line and the condition, then aborts.
// MINKE_DCHECK: the same inside per-row and per-element loops, compiled only into debug and
// sanitizer builds (MINKE_DEBUG_CHECKS), so hot paths pay nothing in Release.
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

#if !defined(NDEBUG) || defined(MINKE_DEBUG_CHECKS)
#define MINKE_DCHECK(cond) MINKE_CHECK(cond)
#else
#define MINKE_DCHECK(cond) \
  do {                     \
    (void)sizeof(cond);    \
  } while (0)
#endif
