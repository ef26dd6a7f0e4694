#include "ops/kernels/linear_avx2.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ops/kernels/parallel_for.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace nitro::kernels {

bool FastKernelsEnabled() {
  static const bool enabled = std::getenv("NITRO_PORTABLE_KERNELS") == nullptr;
  return enabled;
}

#if defined(__AVX2__)

namespace {

// Splits v into hi·2^15 + lo with lo in [0, 2^15) and hi = v >> 15 (arithmetic); both fit int16
// when |v| < 2^30.
inline int16_t Hi15(int32_t v) { return static_cast<int16_t>(v >> 15); }
inline int16_t Lo15(int32_t v) { return static_cast<int16_t>(v & 0x7fff); }

inline int32_t HorizontalSum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// Dot products of one int16 row a (length n, padded to a multiple of 16 with zeros) with four
// int16 rows; results added modulo 2^32.
inline void Dot4(const int16_t* a, const int16_t* w0, const int16_t* w1, const int16_t* w2, const int16_t* w3,
                 int64_t n, uint32_t out[4]) {
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
  for (int64_t i = 0; i < n; i += 16) {
    const __m256i va = _mm256_load_si256(reinterpret_cast<const __m256i*>(a + i));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(va, _mm256_load_si256(reinterpret_cast<const __m256i*>(w0 + i))));
    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(va, _mm256_load_si256(reinterpret_cast<const __m256i*>(w1 + i))));
    s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(va, _mm256_load_si256(reinterpret_cast<const __m256i*>(w2 + i))));
    s3 = _mm256_add_epi32(s3, _mm256_madd_epi16(va, _mm256_load_si256(reinterpret_cast<const __m256i*>(w3 + i))));
  }
  out[0] = static_cast<uint32_t>(HorizontalSum(s0));
  out[1] = static_cast<uint32_t>(HorizontalSum(s1));
  out[2] = static_cast<uint32_t>(HorizontalSum(s2));
  out[3] = static_cast<uint32_t>(HorizontalSum(s3));
}

// A growable 64-byte-aligned scratch buffer, one per thread and use.
template <typename T>
struct Scratch {
  T* p = nullptr;
  int64_t n = 0;
  ~Scratch() { std::free(p); }
  T* Get(int64_t count) {
    if (count > n) {
      std::free(p);
      n = (count + 31) / 32 * 32;
      p = static_cast<T*>(std::aligned_alloc(64, n * sizeof(T)));
    }
    return p;
  }
};
using Aligned16 = Scratch<int16_t>;

// min and max of n int32 values (vectorisable reduction).
inline void MinMax(const int32_t* v, int64_t n, int32_t* lo, int32_t* hi) {
  int32_t mn = INT32_MAX, mx = INT32_MIN;
  for (int64_t k = 0; k < n; ++k) {
    mn = v[k] < mn ? v[k] : mn;
    mx = v[k] > mx ? v[k] : mx;
  }
  *lo = mn;
  *hi = mx;
}

template <typename X>
bool ForwardImpl(const X* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O) {
  // Weights must fit 30 bits so that the hi/lo split stays in int16; they always do in NITRO-D
  // (|W| is pulled toward the decay inverse), otherwise the portable kernel takes over.
  int32_t mn, mx;
  MinMax(w, O * I, &mn, &mx);
  if (mn < -(1 << 30) || mx >= (1 << 30)) return false;
  const bool fits16 = mn >= -32768 && mx <= 32767;
  const int64_t Ip = (I + 15) / 16 * 16;
  const int64_t Op = (O + 3) / 4 * 4;
  thread_local Aligned16 xbuf, whi, wlo;
  int16_t* xs = xbuf.Get(B * Ip);
  int16_t* wh = whi.Get(Op * Ip);
  int16_t* wl = fits16 ? nullptr : wlo.Get(Op * Ip);
  for (int64_t b = 0; b < B; ++b) {
    int16_t* dst = xs + b * Ip;
    const X* src = x + b * I;
    for (int64_t i = 0; i < I; ++i) dst[i] = src[i];
    for (int64_t i = I; i < Ip; ++i) dst[i] = 0;
  }
  for (int64_t o = 0; o < Op; ++o) {
    int16_t* dh = wh + o * Ip;
    int16_t* dl = fits16 ? nullptr : wl + o * Ip;
    int64_t i = 0;
    if (o < O) {
      const int32_t* src = w + o * I;
      if (fits16) {
        for (; i < I; ++i) dh[i] = static_cast<int16_t>(src[i]);
      } else {
        for (; i < I; ++i) {
          dh[i] = Hi15(src[i]);
          dl[i] = Lo15(src[i]);
        }
      }
    }
    for (; i < Ip; ++i) {
      dh[i] = 0;
      if (dl) dl[i] = 0;
    }
  }
  // Output blocks of 4 rows of w are independent: split them over the task arena's threads
  // (disjoint outputs, so the result does not depend on the split).
  ParallelFor(IndexRange(0, Op / 4, 8), [&](const IndexRange& r) {
    for (int64_t ob = r.begin(); ob < r.end(); ++ob) {
      const int64_t o = ob * 4;
      for (int64_t b = 0; b < B; ++b) {
        const int16_t* xb = xs + b * Ip;
        uint32_t hi[4];
        Dot4(xb, wh + o * Ip, wh + (o + 1) * Ip, wh + (o + 2) * Ip, wh + (o + 3) * Ip, Ip, hi);
        if (!fits16) {
          uint32_t lo[4];
          Dot4(xb, wl + o * Ip, wl + (o + 1) * Ip, wl + (o + 2) * Ip, wl + (o + 3) * Ip, Ip, lo);
          for (int k = 0; k < 4; ++k) hi[k] = (hi[k] << 15) + lo[k];
        }
        for (int k = 0; k < 4 && o + k < O; ++k) z[b * O + o + k] = static_cast<int32_t>(hi[k]);
      }
    }
  });
  return true;
}

// g[o, :] += Σ over pairs (b, b+1) of (dz[b,o], dz[b+1,o]) · (x[b,:], x[b+1,:]) with vpmaddwd
// on x interleaved by batch pairs. dz is split into hi/lo 15-bit parts unless it fits int16.
template <typename D, typename X>
bool WeightGradImpl(const D* dz, const X* x, int32_t* g, int64_t B, int64_t I, int64_t O) {
  bool fits16 = true;
  if constexpr (sizeof(D) == 4) {
    int32_t mn, mx;
    MinMax(reinterpret_cast<const int32_t*>(dz), B * O, &mn, &mx);
    if (mn < -(1 << 30) || mx >= (1 << 30)) return false;
    fits16 = mn >= -32768 && mx <= 32767;
  }
  const int64_t Bp = (B + 1) / 2 * 2;
  const int64_t Ip = (I + 15) / 16 * 16;
  thread_local Aligned16 xbuf;
  // xi[(b/2) * Ip*2 + 2*i + (b%2)] = x[b, i]
  int16_t* xi = xbuf.Get(Bp / 2 * Ip * 2);
  for (int64_t p = 0; p < Bp / 2; ++p) {
    int16_t* row = xi + p * Ip * 2;
    for (int64_t i = 0; i < Ip; ++i) {
      const int64_t b0 = 2 * p, b1 = 2 * p + 1;
      row[2 * i] = (i < I) ? static_cast<int16_t>(x[b0 * I + i]) : 0;
      row[2 * i + 1] = (i < I && b1 < B) ? static_cast<int16_t>(x[b1 * I + i]) : 0;
    }
  }
  // Per output o, the broadcast (dz[b,o], dz[b+1,o]) pairs of each pass (hi, or hi then lo).
  // Pairs of outputs are independent: split them over the task arena's threads.
  const int passes = fits16 ? 1 : 2;
  ParallelFor(IndexRange(0, (O + 1) / 2, 4), [&](const IndexRange& r) {
    thread_local Scratch<int32_t> pair_buf;
    int32_t* pairs = pair_buf.Get(Bp / 2 * 2);
    thread_local Scratch<uint32_t> acc_buf;
    uint32_t* acc = acc_buf.Get(2 * Ip);
    for (int64_t o0 = 2 * r.begin(); o0 < 2 * r.end() && o0 < O; o0 += 2) {
      const int64_t no = (o0 + 1 < O) ? 2 : 1;
      for (int pass = 0; pass < passes; ++pass) {
        // pairs[k * (Bp/2) + p] for output o0 + k
        for (int64_t k = 0; k < 2; ++k) {
          for (int64_t p = 0; p < Bp / 2; ++p) {
            int32_t d0 = 0, d1 = 0;
            if (k < no) {
              d0 = dz[(2 * p) * O + o0 + k];
              d1 = (2 * p + 1 < B) ? static_cast<int32_t>(dz[(2 * p + 1) * O + o0 + k]) : 0;
            }
            const int16_t h0 = fits16 ? static_cast<int16_t>(d0) : pass == 0 ? Hi15(d0) : Lo15(d0);
            const int16_t h1 = fits16 ? static_cast<int16_t>(d1) : pass == 0 ? Hi15(d1) : Lo15(d1);
            pairs[k * (Bp / 2) + p] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(h0)) |
                                                           (static_cast<uint32_t>(static_cast<uint16_t>(h1)) << 16));
          }
        }
        // Register blocking: 2 outputs × 32 inputs (4 vectors of 8 int32 lanes) per sweep over b.
        for (int64_t i0 = 0; i0 < Ip; i0 += 32) {
          const int64_t nv = (Ip - i0) >= 32 ? 4 : (Ip - i0) / 8;
          __m256i a[2][4];
          for (auto& row : a) {
            for (auto& v : row) v = _mm256_setzero_si256();
          }
          for (int64_t p = 0; p < Bp / 2; ++p) {
            const __m256i q0 = _mm256_set1_epi32(pairs[p]);
            const __m256i q1 = _mm256_set1_epi32(pairs[Bp / 2 + p]);
            const int16_t* row = xi + p * Ip * 2 + 2 * i0;
            for (int64_t v = 0; v < nv; ++v) {
              const __m256i vx = _mm256_load_si256(reinterpret_cast<const __m256i*>(row + 16 * v));
              a[0][v] = _mm256_add_epi32(a[0][v], _mm256_madd_epi16(q0, vx));
              a[1][v] = _mm256_add_epi32(a[1][v], _mm256_madd_epi16(q1, vx));
            }
          }
          for (int64_t k = 0; k < 2; ++k) {
            for (int64_t v = 0; v < nv; ++v) {
              _mm256_store_si256(reinterpret_cast<__m256i*>(acc + k * Ip + i0 + 8 * v), a[k][v]);
            }
          }
        }
        for (int64_t k = 0; k < no; ++k) {
          uint32_t* go = reinterpret_cast<uint32_t*>(g + (o0 + k) * I);
          const uint32_t* ak = acc + k * Ip;
          if (pass == 0) {
            const uint32_t shift = fits16 ? 0 : 15;
            for (int64_t i = 0; i < I; ++i) go[i] = ak[i] << shift;
          } else {
            for (int64_t i = 0; i < I; ++i) go[i] += ak[i];
          }
        }
      }
    }
  });
  return true;
}

}  // namespace

bool HasAvx2Kernels() {
  static const bool has = __builtin_cpu_supports("avx2") && FastKernelsEnabled();
  return has;
}

bool LinearForwardAvx2(const int8_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O) {
  return HasAvx2Kernels() && ForwardImpl(x, w, z, B, I, O);
}
bool LinearForwardAvx2(const int16_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O) {
  return HasAvx2Kernels() && ForwardImpl(x, w, z, B, I, O);
}
bool LinearWeightGradAvx2(const int8_t* dz, const int8_t* x, int32_t* g, int64_t B, int64_t I, int64_t O) {
  return HasAvx2Kernels() && WeightGradImpl(dz, x, g, B, I, O);
}
bool LinearWeightGradAvx2(const int32_t* dz, const int8_t* x, int32_t* g, int64_t B, int64_t I, int64_t O) {
  return HasAvx2Kernels() && WeightGradImpl(dz, x, g, B, I, O);
}
bool LinearWeightGradAvx2(const int8_t* dz, const int16_t* x, int32_t* g, int64_t B, int64_t I, int64_t O) {
  return HasAvx2Kernels() && WeightGradImpl(dz, x, g, B, I, O);
}
bool LinearWeightGradAvx2(const int32_t* dz, const int16_t* x, int32_t* g, int64_t B, int64_t I, int64_t O) {
  return HasAvx2Kernels() && WeightGradImpl(dz, x, g, B, I, O);
}

#else  // !__AVX2__

bool HasAvx2Kernels() { return false; }
bool LinearForwardAvx2(const int8_t*, const int32_t*, int32_t*, int64_t, int64_t, int64_t) { return false; }
bool LinearForwardAvx2(const int16_t*, const int32_t*, int32_t*, int64_t, int64_t, int64_t) { return false; }
bool LinearWeightGradAvx2(const int8_t*, const int8_t*, int32_t*, int64_t, int64_t, int64_t) { return false; }
bool LinearWeightGradAvx2(const int32_t*, const int8_t*, int32_t*, int64_t, int64_t, int64_t) { return false; }
bool LinearWeightGradAvx2(const int8_t*, const int16_t*, int32_t*, int64_t, int64_t, int64_t) { return false; }
bool LinearWeightGradAvx2(const int32_t*, const int16_t*, int32_t*, int64_t, int64_t, int64_t) { return false; }

#endif

}  // namespace nitro::kernels
