// Probes of this CPU's attainable int16 multiply-accumulate rate on one core, the "peak" the
// kernel figures are compared with: vpmaddwd + vpaddd on AVX2 (16 MACs per vpmaddwd) and vpdpwssd
// on AVX-512 VNNI (32 MACs per instruction), each with enough independent accumulators to cover
// the instruction latency.
#ifndef NITRO_BENCH_MAC_PEAK_H_
#define NITRO_BENCH_MAC_PEAK_H_

#include <cstdint>

namespace nitro::bench {

// MACs per second of CPU time of one thread (so a busy machine does not lower it much), or 0 when
// the CPU lacks the instructions. Each probe runs for
// about iterations × 2·10^-9 seconds; the best of `repeats` runs is returned.
int64_t ProbeAvx2MacsPerSecond(int64_t iterations = 10000000, int repeats = 20);
int64_t ProbeAvx512VnniMacsPerSecond(int64_t iterations = 10000000, int repeats = 20);

}  // namespace nitro::bench

#endif  // NITRO_BENCH_MAC_PEAK_H_
