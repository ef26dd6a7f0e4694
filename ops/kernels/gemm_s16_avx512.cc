// AVX-512 VNNI tier of the int16 GEMM micro-kernel: vpdpwssd (_mm512_dpwssd_epi32) fuses the pair
// products and the wrapping 32-bit accumulation. The functions carry their own target attribute,
// so the rest of the binary keeps the baseline instruction set and a CPU without AVX-512 never runs
// them (gemm_s16.cc checks CPUID first).
#include "ops/kernels/gemm_s16_tile.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NITRO_GEMM_AVX512 1
#endif

namespace nitro::kernels::gemm {

#if defined(NITRO_GEMM_AVX512)

namespace {

#define NITRO_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// A full tile is 6 rows × 4 vectors (64 columns, so 128, 256 and 512 filters need no narrower
// tail block): 24 accumulators, 4 panel vectors and one broadcast take 29 of the 32 zmm
// registers. Per step: 4 panel loads and 6 broadcast loads feed 24 vpdpwssd.
constexpr int kRows = 6;
constexpr int kVectors = 4;

template <int R, int V>
NITRO_TARGET_AVX512 void Tile(const int32_t* const* rows, const int64_t* koff, int64_t steps, const int32_t* panel,
                              int32_t* out, bool accumulate) {
  __m512i acc[R][V];
  const int32_t* a[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    a[r] = rows[r];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      acc[r][v] = accumulate ? _mm512_loadu_si512(out + r * (16 * V) + 16 * v) : _mm512_setzero_si512();
    }
  }
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t off = koff[s];
    const int32_t* p = panel + s * (16 * V);
    __m512i w[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) w[v] = _mm512_load_si512(p + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512i b = _mm512_set1_epi32(a[r][off]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_dpwssd_epi32(acc[r][v], b, w[v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) _mm512_storeu_si512(out + r * (16 * V) + 16 * v, acc[r][v]);
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
  TierKernels k{"avx512-vnni", 16, kRows, kVectors, {}, &StoreTransposedAvx2};
  FillRow<kRows>(k);
  return k;
}

}  // namespace

const TierKernels* Avx512VnniKernels() {
  static const TierKernels k = Make();
  return &k;
}

#else

const TierKernels* Avx512VnniKernels() { return nullptr; }

#endif

}  // namespace nitro::kernels::gemm
