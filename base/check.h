// NITRO_DCHECK: a precondition check for debug builds, usable from every layer, kernels included
// (it needs nothing but the C library). In an optimised build (NDEBUG, Bazel's opt mode, the
// default here) the condition is not evaluated. In a debug build (`--config=dbg`,
// `--config=asan`) a false condition prints the file, line and condition and aborts: it marks a
// programming error inside nitro, never bad user input, which is always an absl::Status.
#ifndef NITRO_BASE_CHECK_H_
#define NITRO_BASE_CHECK_H_

#include <cstdio>
#include <cstdlib>

#ifdef NDEBUG
#define NITRO_DCHECK(condition) \
  do {                          \
    if (false && (condition)) { \
    }                           \
  } while (false)
#else
#define NITRO_DCHECK(condition)                                                                 \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      std::fprintf(stderr, "%s:%d: NITRO_DCHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)
#endif

#endif  // NITRO_BASE_CHECK_H_
