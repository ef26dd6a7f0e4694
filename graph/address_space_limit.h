// Test support for allocation failures: making an allocation fail for sure, without the test
// machine running out of memory. Header-only; for tests (testonly target).
#ifndef NITRO_GRAPH_ADDRESS_SPACE_LIMIT_H_
#define NITRO_GRAPH_ADDRESS_SPACE_LIMIT_H_

#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define NITRO_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NITRO_ADDRESS_SANITIZER 1
#endif
#endif

namespace nitro {

#ifdef NITRO_ADDRESS_SANITIZER
// AddressSanitizer reserves terabytes of address space for its shadow memory, so an address-space
// limit cannot be used under it; its allocator refuses any single allocation above 1 TiB instead
// (returning null when the test binary sets allocator_may_return_null=1 in __asan_default_options).
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

// Whether an allocation of several TiB fails by itself: under ASan (see above), or where the
// kernel does not overcommit without limit (vm.overcommit_memory 0, heuristic, or 2, strict). With
// 1 (always) it would succeed and the zero-filling would exhaust the machine's memory.
inline bool HugeAllocationsFail() {
  if (kAddressSanitizer) return true;
  std::ifstream in("/proc/sys/vm/overcommit_memory");
  std::string mode;
  return static_cast<bool>(in >> mode) && mode != "1";
}

// Limits the process's address space (RLIMIT_AS) to what it maps now plus `headroom` bytes, for
// the lifetime of the object; the previous limit is restored on destruction. Does nothing (ok()
// false) under ASan or where the current mapping or the limit cannot be read or set.
class ScopedAddressSpaceLimit {
 public:
  explicit ScopedAddressSpaceLimit(int64_t headroom) {
    if (kAddressSanitizer || getrlimit(RLIMIT_AS, &saved_) != 0) return;
    // /proc/self/statm: the first field is the total mapped size in pages.
    std::ifstream statm("/proc/self/statm");
    int64_t pages = 0;
    if (!(statm >> pages) || pages <= 0) return;
    rlimit limit = saved_;
    limit.rlim_cur = static_cast<rlim_t>(pages * sysconf(_SC_PAGESIZE) + headroom);
    if (saved_.rlim_cur != RLIM_INFINITY && limit.rlim_cur > saved_.rlim_cur) limit.rlim_cur = saved_.rlim_cur;
    ok_ = setrlimit(RLIMIT_AS, &limit) == 0;
  }
  ~ScopedAddressSpaceLimit() {
    if (ok_) setrlimit(RLIMIT_AS, &saved_);
  }
  ScopedAddressSpaceLimit(const ScopedAddressSpaceLimit&) = delete;
  ScopedAddressSpaceLimit& operator=(const ScopedAddressSpaceLimit&) = delete;

  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

}  // namespace nitro

#endif  // NITRO_GRAPH_ADDRESS_SPACE_LIMIT_H_
