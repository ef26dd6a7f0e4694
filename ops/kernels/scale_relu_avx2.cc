#include "ops/kernels/scale_relu_avx2.h"

#include "ops/kernels/elementwise.h"
#include "ops/kernels/linear_avx2.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NITRO_SCALE_RELU_AVX2 1
#endif

namespace nitro::kernels {

#if defined(NITRO_SCALE_RELU_AVX2)

namespace {

#define NITRO_TARGET_AVX2 __attribute__((target("avx2")))

// The constants of the exact reciprocal division of the header comment.
struct Reciprocals {
  uint32_t limit;        // 128·d - 1
  uint32_t magic;        // m = ceil(2^k / d)
  int shift;             // k
  uint16_t alpha_magic;  // ma = ceil(2^16 / alpha_inv)
  int16_t correction;    // c(alpha_inv)
};

Reciprocals ReciprocalsOf(int64_t d, int64_t alpha_inv, int c) {
  Reciprocals r;
  r.limit = static_cast<uint32_t>(128 * d - 1);
  r.shift = 0;
  while ((uint64_t{1} << r.shift) < static_cast<uint64_t>(128 * d * d)) ++r.shift;
  r.magic = static_cast<uint32_t>(((uint64_t{1} << r.shift) + static_cast<uint64_t>(d) - 1) / static_cast<uint64_t>(d));
  r.alpha_magic = static_cast<uint16_t>((65536 + alpha_inv - 1) / alpha_inv);
  r.correction = static_cast<int16_t>(c);
  return r;
}

// s = sign(z) · floor(min(|z|, 128·d - 1) / d) for 8 lanes, as int32.
NITRO_TARGET_AVX2 inline __m256i ScaleLanes(__m256i z, const Reciprocals& r) {
  const __m256i limit = _mm256_set1_epi32(static_cast<int32_t>(r.limit));
  const __m256i magic = _mm256_set1_epi64x(r.magic);
  const __m128i shift = _mm_cvtsi32_si128(r.shift);
  const __m256i u = _mm256_min_epu32(_mm256_abs_epi32(z), limit);  // |INT32_MIN| reads as 2^31 unsigned
  const __m256i even = _mm256_srl_epi64(_mm256_mul_epu32(u, magic), shift);
  const __m256i odd = _mm256_srl_epi64(_mm256_mul_epu32(_mm256_srli_epi64(u, 32), magic), shift);
  const __m256i q = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  return _mm256_sign_epi32(q, z);
}

// NITRO-ReLU of 16 int16 lanes holding s in [-127, 127].
NITRO_TARGET_AVX2 inline __m256i ReluLanes(__m256i s, const Reciprocals& r) {
  const __m256i quotient =
      _mm256_mulhi_epu16(_mm256_abs_epi16(s), _mm256_set1_epi16(static_cast<int16_t>(r.alpha_magic)));
  const __m256i negative = _mm256_cmpgt_epi16(_mm256_setzero_si256(), s);
  const __m256i value = _mm256_blendv_epi8(s, _mm256_sub_epi16(_mm256_setzero_si256(), quotient), negative);
  return _mm256_sub_epi16(value, _mm256_set1_epi16(r.correction));
}

// 32 int16 lanes (two vectors, each in vpackssdw's lane-interleaved order) as 32 int8 in element
// order: vpacksswb interleaves the 128-bit lanes once more, and one dword permutation undoes both.
NITRO_TARGET_AVX2 inline __m256i PackInOrder(__m256i lo, __m256i hi) {
  return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(lo, hi), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

NITRO_TARGET_AVX2 void Run(const int32_t* z, int8_t* s, int8_t* a, int64_t n, const Reciprocals& r) {
  for (int64_t i = 0; i < n; i += 32) {
    __m256i v[4];
    for (int k = 0; k < 4; ++k) {
      v[k] = ScaleLanes(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(z + i + 8 * k)), r);
    }
    const __m256i s01 = _mm256_packs_epi32(v[0], v[1]), s23 = _mm256_packs_epi32(v[2], v[3]);  // exact: |s| <= 127
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(s + i), PackInOrder(s01, s23));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(a + i), PackInOrder(ReluLanes(s01, r), ReluLanes(s23, r)));
  }
}

}  // namespace

bool ScaleNitroReluAvx2(const int32_t* z, int8_t* s, int8_t* a, int64_t n, int64_t divisor, int64_t alpha_inv) {
  const int c = NitroReluMeanCorrection(alpha_inv);
  if (!HasAvx2Kernels() || divisor < 1 || divisor > (int64_t{1} << 24) || c == 0) return false;
  const int64_t body = n / 32 * 32;
  Run(z, s, a, body, ReciprocalsOf(divisor, alpha_inv, c));
  Scale(z + body, s + body, n - body, divisor);  // the tail, portable
  NitroRelu(s + body, a + body, n - body, alpha_inv);
  return true;
}

#else

bool ScaleNitroReluAvx2(const int32_t*, int8_t*, int8_t*, int64_t, int64_t, int64_t) { return false; }

#endif

}  // namespace nitro::kernels
