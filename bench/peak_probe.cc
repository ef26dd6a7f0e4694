// Measures this CPU's attainable int16 multiply-accumulate rate (vpmaddwd on AVX2, 16 MACs per
// instruction) with independent accumulators, the "peak" the kernel figures are compared with.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "tools/flags.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

int main(int argc, char** argv) {
  // No flags: the parser gives --help and rejects stray arguments like every other tool.
  nitro::cli::FlagSet flags("peak_probe",
                            "Measures this CPU's attainable int16 multiply-accumulate rate on one core (AVX2 "
                            "vpmaddwd, 16 MACs per instruction, independent accumulators): the peak that "
                            "docs/performance.md compares the kernels' GMAC/s with.");
  if (std::optional<int> exit_code = flags.Parse(std::vector<std::string>(argv + 1, argv + argc))) return *exit_code;
#if defined(__AVX2__)
  constexpr int64_t kIters = 200000000;
  __m256i a[8];
  const __m256i y = _mm256_set1_epi16(5);
  for (int k = 0; k < 8; ++k) a[k] = _mm256_set1_epi16(static_cast<int16_t>(k + 1));
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < kIters; ++i) {
    // Each accumulator feeds its own next product, so nothing can be hoisted out of the loop.
    for (auto& v : a) v = _mm256_add_epi32(v, _mm256_madd_epi16(v, y));
  }
  const int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  const int64_t macs = kIters * 8 * 16;
  int32_t sink = _mm256_extract_epi32(a[0], 0) + _mm256_extract_epi32(a[7], 3);
  std::printf("int16 vpmaddwd peak, one core: %lld GMAC/s (checksum %d)\n", static_cast<long long>(macs / ns), sink);
#else
  std::printf("no AVX2: no peak probe\n");
#endif
  return 0;
}
