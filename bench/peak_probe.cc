// Prints this CPU's attainable int16 multiply-accumulate rates on one core, the "peaks" the kernel
// figures are compared with: vpmaddwd (AVX2, 16 MACs per instruction) and vpdpwssd (AVX-512 VNNI,
// 32 MACs per instruction). See bench/mac_peak.h.
#include <cstdint>
#include <cstdio>

#include "bench/mac_peak.h"

int main() {
  const int64_t avx2 = nitro::bench::ProbeAvx2MacsPerSecond();
  const int64_t vnni = nitro::bench::ProbeAvx512VnniMacsPerSecond();
  if (avx2 > 0) {
    std::printf("int16 vpmaddwd peak, one core: %lld GMAC/s\n", static_cast<long long>(avx2 / 1000000000));
  } else {
    std::printf("no AVX2: no vpmaddwd peak\n");
  }
  if (vnni > 0) {
    std::printf("int16 vpdpwssd (AVX-512 VNNI) peak, one core: %lld GMAC/s\n",
                static_cast<long long>(vnni / 1000000000));
  } else {
    std::printf("no AVX-512 VNNI: no vpdpwssd peak\n");
  }
  return 0;
}
