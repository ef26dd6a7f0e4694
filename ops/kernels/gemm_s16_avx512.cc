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

// The patch sums: 16 channels of patches a and b interleaved into 16 int16 pairs.
NITRO_TARGET_AVX512 inline __m512i PatchPairs(const int8_t* a, const int8_t* b) {
  const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
  const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  return _mm512_cvtepi8_epi16(_mm256_set_m128i(_mm_unpackhi_epi8(va, vb), _mm_unpacklo_epi8(va, vb)));
}

// V vectors (16·V accumulators from at) of one pass, the patches read from offset o of each row
// pointer. Each vector is its own vpdpwssd chain, so V chains run in parallel; the hi sums go to
// a second chain that is shifted into the accumulator once.
template <int NP, bool WIDE, int V>
NITRO_TARGET_AVX512 inline void PatchStep(uint32_t* at, const int8_t* const* xa, const int8_t* const* xb, int64_t o,
                                          const __m512i* lo, const __m512i* hi) {
  __m512i acc[V], hs[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    acc[v] = _mm512_loadu_si512(at + 16 * v);
    if constexpr (WIDE) hs[v] = _mm512_setzero_si512();
  }
#pragma GCC unroll 4
  for (int q = 0; q < NP; ++q) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const __m512i x = PatchPairs(xa[q] + o + 16 * v, xb[q] + o + 16 * v);
      acc[v] = _mm512_dpwssd_epi32(acc[v], x, lo[q]);
      if constexpr (WIDE) hs[v] = _mm512_dpwssd_epi32(hs[v], x, hi[q]);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    if constexpr (WIDE) acc[v] = _mm512_add_epi32(acc[v], _mm512_slli_epi32(hs[v], 16));
    _mm512_storeu_si512(at + 16 * v, acc[v]);
  }
}

template <int NP, bool WIDE>
NITRO_TARGET_AVX512 void PatchPass(uint32_t* ak, const int32_t* lo, const int32_t* hi, const int8_t* const* xa,
                                   const int8_t* const* xb, int64_t o, int64_t len) {
  __m512i l[NP], h[NP];
  for (int q = 0; q < NP; ++q) {
    l[q] = _mm512_set1_epi32(lo[q]);
    h[q] = _mm512_set1_epi32(WIDE ? hi[q] : 0);
  }
  int64_t t = 0;
  for (; t + 64 <= len; t += 64) PatchStep<NP, WIDE, 4>(ak + t, xa, xb, o + t, l, h);
  for (; t + 16 <= len; t += 16) PatchStep<NP, WIDE, 1>(ak + t, xa, xb, o + t, l, h);
  PatchPassTail<NP, WIDE>(ak, lo, hi, xa, xb, o, t, len);
}

template <int NP>
void FillPatchPasses(TierKernels& k) {
  k.patch_pass[NP - 1][0] = &PatchPass<NP, false>;
  k.patch_pass[NP - 1][1] = &PatchPass<NP, true>;
  if constexpr (NP > 1) FillPatchPasses<NP - 1>(k);
}

TierKernels Make() {
  TierKernels k{"avx512-vnni", 16, kRows, kVectors, {}, &StoreTransposedAvx2};
  FillRow<kRows>(k);
  FillPatchPasses<kMaxPatchPairs>(k);
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
