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

// The kernels of one tier, indexed by [rows - 1][vectors - 1] for rows <= max_rows and
// vectors <= max_vectors. A tile of the full shape is the fast case; narrower ones cover the edges.
struct TierKernels {
  const char* name;
  int lanes;        // 32-bit lanes per vector: 8 (AVX2) or 16 (AVX-512)
  int max_rows;     // rows of the full tile
  int max_vectors;  // vectors of the full tile
  TileFn fn[kMaxTileRows][kMaxTileVectors];
  StoreFn store_transposed;
};

// nullptr when the tier is not compiled in; callers also check the CPU (gemm_s16.cc).
const TierKernels* ScalarKernels();
const TierKernels* Avx2Kernels();
const TierKernels* Avx512VnniKernels();

}  // namespace nitro::kernels::gemm

#endif  // NITRO_OPS_KERNELS_GEMM_S16_TILE_H_
