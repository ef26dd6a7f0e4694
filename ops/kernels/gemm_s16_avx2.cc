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
                            int32_t* out, bool accumulate) {
  __m256i acc[R][V];
  const int32_t* a[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    a[r] = rows[r];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      acc[r][v] = accumulate ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(out + r * (8 * V) + 8 * v))
                             : _mm256_setzero_si256();
    }
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

// One step of the patch sums over 16 channels: patches a and b interleaved into int16 pairs, the
// first 8 channels in *p0, the next 8 in *p1.
NITRO_TARGET_AVX2 inline void PatchPairs(const int8_t* a, const int8_t* b, __m256i* p0, __m256i* p1) {
  const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
  const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  *p0 = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(va, vb));
  *p1 = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(va, vb));
}

// 16 accumulators from at: two vpmaddwd chains (channels t..t+7 and t+8..t+15) per 16-bit part.
template <int NP, bool WIDE>
NITRO_TARGET_AVX2 inline void PatchStep(uint32_t* at, const int8_t* const* xa, const int8_t* const* xb, int64_t o,
                                        const __m256i* l, const __m256i* h) {
  __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
  __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + 8));
  __m256i h0 = _mm256_setzero_si256(), h1 = _mm256_setzero_si256();
#pragma GCC unroll 4
  for (int q = 0; q < NP; ++q) {
    __m256i p0, p1;
    PatchPairs(xa[q] + o, xb[q] + o, &p0, &p1);
    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(p0, l[q]));
    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(p1, l[q]));
    if constexpr (WIDE) {
      h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(p0, h[q]));
      h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(p1, h[q]));
    }
  }
  if constexpr (WIDE) {
    a0 = _mm256_add_epi32(a0, _mm256_slli_epi32(h0, 16));
    a1 = _mm256_add_epi32(a1, _mm256_slli_epi32(h1, 16));
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(at), a0);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(at + 8), a1);
}

template <int NP, bool WIDE>
NITRO_TARGET_AVX2 void PatchPass(uint32_t* ak, const int32_t* lo, const int32_t* hi, const int8_t* const* xa,
                                 const int8_t* const* xb, int64_t o, int64_t len) {
  __m256i l[NP], h[NP];
  for (int q = 0; q < NP; ++q) {
    l[q] = _mm256_set1_epi32(lo[q]);
    h[q] = _mm256_set1_epi32(WIDE ? hi[q] : 0);
  }
  int64_t t = 0;
  for (; t + 16 <= len; t += 16) PatchStep<NP, WIDE>(ak + t, xa, xb, o + t, l, h);
  PatchPassTail<NP, WIDE>(ak, lo, hi, xa, xb, o, t, len);
}

template <int NP>
void FillPatchPasses(TierKernels& k) {
  k.patch_pass[NP - 1][0] = &PatchPass<NP, false>;
  k.patch_pass[NP - 1][1] = &PatchPass<NP, true>;
  if constexpr (NP > 1) FillPatchPasses<NP - 1>(k);
}

TierKernels Make() {
  TierKernels k{"avx2", 8, kRows, kVectors, {}, &StoreTransposedAvx2};
  FillRow<kRows>(k);
  FillPatchPasses<kMaxPatchPairs>(k);
  return k;
}

NITRO_TARGET_AVX2 inline __m256i Row(const uint32_t* lo, const uint32_t* hi, int64_t at) {
  const __m256i l = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lo + at));
  if (!hi) return l;
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hi + at));
  return _mm256_add_epi32(_mm256_slli_epi32(h, 16), l);
}

// Rows r0 .. r0+7, columns j0 .. j0+7 through one 8×8 transpose of 32-bit lanes.
NITRO_TARGET_AVX2 void Transpose8x8(const uint32_t* lo, const uint32_t* hi, int64_t width, int64_t r0, int64_t j0,
                                    uint32_t* out, int64_t cs) {
  __m256i r[8], t[8], u[8];
  for (int i = 0; i < 8; ++i) r[i] = Row(lo, hi, (r0 + i) * width + j0);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (j0 + j) * cs + r0),
                        _mm256_permute2x128_si256(u[j], u[j + 4], 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (j0 + j + 4) * cs + r0),
                        _mm256_permute2x128_si256(u[j], u[j + 4], 0x31));
  }
}

}  // namespace

NITRO_TARGET_AVX2 void StoreTransposedAvx2(const uint32_t* lo, const uint32_t* hi, int64_t width, int64_t n,
                                           int64_t ncols, uint32_t* out, int64_t cs) {
  const int64_t n8 = n / 8 * 8, c8 = ncols / 8 * 8;
  for (int64_t j0 = 0; j0 < c8; j0 += 8) {
    for (int64_t r0 = 0; r0 < n8; r0 += 8) Transpose8x8(lo, hi, width, r0, j0, out, cs);
  }
  // The edges: rows past the last multiple of 8 for every column, and columns past it for all rows.
  if (n8 < n) StoreTransposedScalar(lo + n8 * width, hi ? hi + n8 * width : nullptr, width, n - n8, c8, out + n8, cs);
  if (c8 < ncols) StoreTransposedScalar(lo + c8, hi ? hi + c8 : nullptr, width, n, ncols - c8, out + c8 * cs, cs);
}

const TierKernels* Avx2Kernels() {
  static const TierKernels k = Make();
  return &k;
}

#else

const TierKernels* Avx2Kernels() { return nullptr; }
void StoreTransposedAvx2(const uint32_t* lo, const uint32_t* hi, int64_t width, int64_t n, int64_t ncols, uint32_t* out,
                         int64_t cs) {
  StoreTransposedScalar(lo, hi, width, n, ncols, out, cs);
}

#endif

}  // namespace nitro::kernels::gemm
