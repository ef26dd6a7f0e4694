// Prints this CPU's attainable int16 multiply-accumulate rates on one core, the "peaks" the kernel
// figures are compared with: vpmaddwd (AVX2, 16 MACs per instruction) and vpdpwssd (AVX-512 VNNI,
// 32 MACs per instruction). See bench/mac_peak.h.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench/mac_peak.h"
#include "tools/flags.h"

int main(int argc, char** argv) {
  // No flags: the parser gives --help and rejects stray arguments like every other tool.
  nitro::cli::FlagSet flags("peak_probe",
                            "Measures this CPU's attainable int16 multiply-accumulate rates on one core (AVX2 "
                            "vpmaddwd, 16 MACs per instruction; AVX-512 VNNI vpdpwssd, 32), with independent "
                            "accumulators: the peaks that docs/performance.md compares the kernels' GMAC/s with.");
  if (std::optional<int> exit_code = flags.Parse(std::vector<std::string>(argv + 1, argv + argc))) return *exit_code;
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
