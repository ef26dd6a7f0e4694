// AVX2 tier of the int16 GEMM micro-kernel: vpmaddwd (pair products summed into 32-bit lanes) and
// vpaddd (wrapping 32-bit accumulation). The tile functions carry their own target attribute; this
// file is compiled with AVX-512 and AVX-VNNI turned off (see BUILD.bazel), so that on a CPU that has
// them the tier still runs, and is measured, as the 16-register AVX2 code a Zen 3 runs.
#include "ops/kernels/gemm_s16_tile.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NITRO_GEMM_AVX2 1
#endif

namespace nitro::kernels::gemm {

#if defined(NITRO_GEMM_AVX2)

namespace {

#define NITRO_TARGET_AVX2 __attribute__((target("avx2")))

// A full tile is 6 rows × 2 vectors: 12 accumulators, 2 panel vectors, one broadcast and one
// product temporary fill the 16 ymm registers. Per step: 2 panel loads and 6 broadcast loads feed
// 12 vpmaddwd + 12 vpaddd.
constexpr int kRows = 6;
constexpr int kVectors = 2;

template <int R, int V>
NITRO_TARGET_AVX2 void Tile(const int32_t* const* rows, const int64_t* koff, int64_t steps, const int32_t* panel,
                            int32_t* out) {
  __m256i acc[R][V];
  const int32_t* a[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    a[r] = rows[r];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_si256();
  }
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t off = koff[s];
    const int32_t* p = panel + s * (8 * V);
    __m256i w[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) w[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 8 * v));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256i b = _mm256_set1_epi32(a[r][off]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_add_epi32(acc[r][v], _mm256_madd_epi16(b, w[v]));
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + r * (8 * V) + 8 * v), acc[r][v]);
    }
  }
}

template <int R>
void FillRow(TierKernels& k) {
  k.fn[R - 1][0] = &Tile<R, 1>;
  if constexpr (kVectors >= 2) k.fn[R - 1][1] = &Tile<R, 2>;
  if constexpr (kVectors >= 3) k.fn[R - 1][2] = &Tile<R, 3>;
  if constexpr (kVectors >= 4) k.fn[R - 1][3] = &Tile<R, 4>;
  if constexpr (R > 1) FillRow<R - 1>(k);
}

TierKernels Make() {
  TierKernels k{"avx2", 8, kRows, kVectors, {}};
  FillRow<kRows>(k);
  return k;
}

}  // namespace

const TierKernels* Avx2Kernels() {
  static const TierKernels k = Make();
  return &k;
}

#else

const TierKernels* Avx2Kernels() { return nullptr; }

#endif

}  // namespace nitro::kernels::gemm
