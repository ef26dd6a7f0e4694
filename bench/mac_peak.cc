#include "bench/mac_peak.h"

#include <time.h>

#include <algorithm>

#if defined(__x86_64__) && defined(__GNUC__)
#define NITRO_PEAK_X86 1
#endif

namespace nitro::bench {
namespace {

// The calling thread's CPU time: time the thread spends descheduled on a busy machine does not count.
int64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

// count per ns·10^9 without overflow for counts below 2^63 / 10^6.
int64_t PerSecond(int64_t count, int64_t ns) { return ns >= 1000 ? count * 1000000 / (ns / 1000) : 0; }

#if defined(NITRO_PEAK_X86)

// The probes are written in assembly so that the accumulators stay in registers: 12
// independent vpmaddwd + vpaddd chains (ymm0-11, products in ymm12-13), and 24 independent
// vpdpwssd accumulators (zmm0-23), enough to cover the latency at several instructions per cycle.
// The register contents do not matter for the timing. The target attributes make the register
// names of the clobber lists valid on a compiler whose baseline lacks AVX-512.
__attribute__((target("avx2"))) int64_t Avx2Once(int64_t iterations) {
  const int64_t t0 = NowNs();
  for (int64_t i = 0; i < iterations; ++i) {
    asm volatile(
        "vpmaddwd %%ymm14, %%ymm15, %%ymm12\n\t"
        "vpaddd %%ymm12, %%ymm0, %%ymm0\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm13\n\t"
        "vpaddd %%ymm13, %%ymm1, %%ymm1\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm12\n\t"
        "vpaddd %%ymm12, %%ymm2, %%ymm2\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm13\n\t"
        "vpaddd %%ymm13, %%ymm3, %%ymm3\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm12\n\t"
        "vpaddd %%ymm12, %%ymm4, %%ymm4\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm13\n\t"
        "vpaddd %%ymm13, %%ymm5, %%ymm5\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm12\n\t"
        "vpaddd %%ymm12, %%ymm6, %%ymm6\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm13\n\t"
        "vpaddd %%ymm13, %%ymm7, %%ymm7\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm12\n\t"
        "vpaddd %%ymm12, %%ymm8, %%ymm8\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm13\n\t"
        "vpaddd %%ymm13, %%ymm9, %%ymm9\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm12\n\t"
        "vpaddd %%ymm12, %%ymm10, %%ymm10\n\t"
        "vpmaddwd %%ymm14, %%ymm15, %%ymm13\n\t"
        "vpaddd %%ymm13, %%ymm11, %%ymm11\n\t" ::
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
              "xmm13", "xmm14", "xmm15");
  }
  return PerSecond(iterations * 12 * 16, NowNs() - t0);
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) int64_t VnniOnce(int64_t iterations) {
  const int64_t t0 = NowNs();
  for (int64_t i = 0; i < iterations; ++i) {
    asm volatile(
        "vpdpwssd %%zmm25, %%zmm24, %%zmm0\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm1\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm2\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm3\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm4\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm5\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm6\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm7\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm8\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm9\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm10\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm11\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm12\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm13\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm14\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm15\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm16\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm17\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm18\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm19\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm20\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm21\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm22\n\t"
        "vpdpwssd %%zmm25, %%zmm24, %%zmm23\n\t" ::
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
              "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",
              "xmm24", "xmm25");
  }
  return PerSecond(iterations * 24 * 32, NowNs() - t0);
}

#endif

}  // namespace

int64_t ProbeAvx2MacsPerSecond(int64_t iterations, int repeats) {
#if defined(NITRO_PEAK_X86)
  if (!__builtin_cpu_supports("avx2")) return 0;
  int64_t best = 0;
  for (int r = 0; r < repeats; ++r) best = std::max(best, Avx2Once(iterations));
  return best;
#else
  return 0;
#endif
}

int64_t ProbeAvx512VnniMacsPerSecond(int64_t iterations, int repeats) {
#if defined(NITRO_PEAK_X86)
  if (!__builtin_cpu_supports("avx512vnni") || !__builtin_cpu_supports("avx512bw")) return 0;
  int64_t best = 0;
  for (int r = 0; r < repeats; ++r) best = std::max(best, VnniOnce(iterations / 2));
  return best;
#else
  return 0;
#endif
}

}  // namespace nitro::bench
