// The register-blocked micro-kernels behind gemm_s16.h, one set per instruction tier. Internal to
// the kernels library: the drivers in gemm_s16.cc pack the operands and call these.
//
// Operands are int16 pairs stored as 32-bit words, w = uint16(e0) | uint16(e1) << 16, which is
// the layout vpmaddwd and vpdpwssd consume: each 32-bit lane gets e0·f0 + e1·f1 + acc. A product of
// two int16 values lies in (-2^30, 2^30]; the pair sum reaches 2^31 only for four −2^15 operands,
// where both instructions return the wrapped 0x80000000, and the accumulation wraps modulo 2^32
// (vpaddd; vpdpwssd, never its saturating twin vpdpwssds). So every lane holds the exact sum of
// its products modulo 2^32, whatever the order of the steps.
#ifndef NITRO_OPS_KERNELS_GEMM_S16_TILE_H_
#define NITRO_OPS_KERNELS_GEMM_S16_TILE_H_

#include <cstdint>

namespace nitro::kernels::gemm {

// One tile: for r < rows and j < cols,
//   out[r * cols + j] = init + Σ_{s < steps} dot(a[r][koff[s]], panel[s * cols + j])   (mod 2^32)
// where a[r] = rows[r] points into the broadcast operand, dot is the int16 pair product sum,
// cols = lanes · vectors of the kernel, and init is out's previous value when accumulate is set
// (a later block of steps), else 0. panel is 64-byte aligned; out is a tile-sized buffer.
using TileFn = void (*)(const int32_t* const* rows, const int64_t* koff, int64_t steps, const int32_t* panel,
                        int32_t* out, bool accumulate);

// Stores n rows × ncols columns of tile results transposed: out[j * cs + r] = v(r, j) with
// v(r, j) = (hi[r * width + j] << 16) + lo[r * width + j] (mod 2^32), or lo[r * width + j] when hi
// is null. The conv epilogue: rows are consecutive pixels, columns filters HW apart.
using StoreFn = void (*)(const uint32_t* lo, const uint32_t* hi, int64_t width, int64_t n, int64_t ncols, uint32_t* out,
                         int64_t cs);

// The plain C++ StoreFn, and the AVX2 one (8×8 register transposes), which the AVX-512 tier uses too.
void StoreTransposedScalar(const uint32_t* lo, const uint32_t* hi, int64_t width, int64_t n, int64_t ncols,
                           uint32_t* out, int64_t cs);
void StoreTransposedAvx2(const uint32_t* lo, const uint32_t* hi, int64_t width, int64_t n, int64_t ncols, uint32_t* out,
                         int64_t cs);

constexpr int kMaxTileRows = 8;
constexpr int kMaxTileVectors = 4;

// One row of one pass of the patch sums of gemm_s16.h's PatchSumS8, over np <= kMaxPatchPairs
// pairs of int8 patches: for t < len,
//   ak[t] += Σ_{q < np} dot(xa[q][o + t], xb[q][o + t]; lo[q]) + 2^16 · Σ_{q < np} dot(...; hi[q])
// (mod 2^32), where dot(a, b; w) = a·e0 + b·e1 for the int16 pair word w = uint16(e0) | uint16(e1)
// << 16. lo[q] and hi[q] are the Lo16 and Hi16 parts of the pair's two deltas (d ≡ hi·2^16 + lo);
// the hi sums are only formed when `wide` (the table's second index). Every pair product is exact
// in int32 (|e| <= 2^15, |x| <= 2^7) and the sums wrap modulo 2^32.
using PatchPassFn = void (*)(uint32_t* ak, const int32_t* lo, const int32_t* hi, const int8_t* const* xa,
                             const int8_t* const* xb, int64_t o, int64_t len);
constexpr int kMaxPatchPairs = 4;

// The int16 pair product of two pair words, a0·b0 + a1·b1 modulo 2^32: one 32-bit lane of
// vpmaddwd / vpdpwssd in plain C++ (the scalar tier).
inline int32_t DotPair(int32_t a, int32_t b) {
  const int32_t a0 = static_cast<int16_t>(static_cast<uint32_t>(a) & 0xffffu);
  const int32_t a1 = static_cast<int16_t>(static_cast<uint32_t>(a) >> 16);
  const int32_t b0 = static_cast<int16_t>(static_cast<uint32_t>(b) & 0xffffu);
  const int32_t b1 = static_cast<int16_t>(static_cast<uint32_t>(b) >> 16);
  return static_cast<int32_t>(static_cast<uint32_t>(a0 * b0) + static_cast<uint32_t>(a1 * b1));
}

// dot(a, b; lo) + 2^16 · dot(a, b; hi) modulo 2^32 for int8 a and b: one accumulator element of a
// pass, in plain C++ (the scalar tier, and the tails of the SIMD tiers).
inline uint32_t PatchPairTerm(int32_t lo, int32_t hi, int32_t a, int32_t b) {
  const int32_t ab = static_cast<int32_t>((static_cast<uint32_t>(a) & 0xffffu) | (static_cast<uint32_t>(b) << 16));
  return static_cast<uint32_t>(DotPair(ab, lo)) + (static_cast<uint32_t>(DotPair(ab, hi)) << 16);
}

// Elements [t0, len) of a pass's row in plain C++: the tails the SIMD tiers leave, and the whole
// row for the scalar tier.
template <int NP, bool WIDE>
inline void PatchPassTail(uint32_t* ak, const int32_t* lo, const int32_t* hi, const int8_t* const* xa,
                          const int8_t* const* xb, int64_t o, int64_t t0, int64_t len) {
  for (int q = 0; q < NP; ++q) {
    const int8_t* a = xa[q] + o;
    const int8_t* b = xb[q] + o;
    for (int64_t t = t0; t < len; ++t) ak[t] += PatchPairTerm(lo[q], WIDE ? hi[q] : 0, a[t], b[t]);
  }
}

// The kernels of one tier, indexed by [rows - 1][vectors - 1] for rows <= max_rows and
// vectors <= max_vectors. A tile of the full shape is the fast case; narrower ones cover the edges.
struct TierKernels {
  const char* name;
  int lanes;        // 32-bit lanes per vector: 8 (AVX2) or 16 (AVX-512)
  int max_rows;     // rows of the full tile
  int max_vectors;  // vectors of the full tile
  TileFn fn[kMaxTileRows][kMaxTileVectors];
  StoreFn store_transposed;
  PatchPassFn patch_pass[kMaxPatchPairs][2];  // [np - 1][wide]
};

// nullptr when the tier is not compiled in; callers also check the CPU (gemm_s16.cc).
const TierKernels* ScalarKernels();
const TierKernels* Avx2Kernels();
const TierKernels* Avx512VnniKernels();

}  // namespace nitro::kernels::gemm

#endif  // NITRO_OPS_KERNELS_GEMM_S16_TILE_H_
