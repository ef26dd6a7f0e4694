// Happens-before annotations for ThreadSanitizer (`--config=tsan`), for hand-offs made inside
// libtbb, which is not instrumented: a flow-graph edge, the start and the end of a parallel_for.
// `TsanHappensBefore(token)` in one thread and a later `TsanHappensAfter(token)` in another tell
// TSan that everything before the first is visible after the second. No-ops in other builds.
#ifndef NITRO_BASE_TSAN_H_
#define NITRO_BASE_TSAN_H_

#if defined(__SANITIZE_THREAD__)
#define NITRO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NITRO_TSAN 1
#endif
#endif

#ifdef NITRO_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace nitro {

// Tokens for a parallel_for: the caller's work happens before the bodies (fork), the bodies before
// the caller's code after it (join). Globals, so that a body reaches them without reading its
// captures (which TBB copied in another thread).
inline char tsan_fork_token = 0;
inline char tsan_join_token = 0;

inline void TsanHappensBefore(const void* token) {
#ifdef NITRO_TSAN
  __tsan_release(const_cast<void*>(token));
#else
  (void)token;
#endif
}

inline void TsanHappensAfter(const void* token) {
#ifdef NITRO_TSAN
  __tsan_acquire(const_cast<void*>(token));
#else
  (void)token;
#endif
}

}  // namespace nitro

#endif  // NITRO_BASE_TSAN_H_
