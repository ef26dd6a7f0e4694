// Exact int16 GEMM kernels for the forward Conv2D and Linear layers: int8/int16 activations times
// int32 weights, int32 results modulo 2^32, bit-identical to the portable kernels in conv2d.h and
// linear.h.
//
// A register-blocked micro-kernel (gemm_s16_tile.h) multiplies a broadcast operand (rows) by a
// packed panel (columns), both as int16 pairs, accumulating into 32-bit lanes: vpmaddwd + vpaddd
// on AVX2, vpdpwssd on AVX-512 VNNI, exact modulo 2^32. The tier is chosen at run time from CPUID.
//
// Weights are split into 16-bit planes once per call: lo = int16(w) (the low 16 bits read as
// signed) and hi = int16((w - lo) / 2^16), so that w ≡ hi·2^16 + lo (mod 2^32) for every int32 w
// and z = (Σ hi·x)·2^16 + Σ lo·x (mod 2^32). When every weight of the tensor fits int16, hi is zero
// and only the lo plane is built and run; the check costs nothing extra, it is made while packing.
//
// The convolution is an implicit GEMM. The filters are the panel (64 or 16 columns per block).
// Each image is copied once into a zero-padded int16 layout with channel pairs interleaved, and
// the micro-kernel reads every tap of every output pixel straight from it, so no im2col matrix
// exists. Results go straight into the [B, F, Ho, Wo] layout through a transposing store.
//
// Threads split the output rows (ParallelFor of parallel_for.h, in the calling task arena). Each output
// element is computed by exactly one task with a fixed order of steps, so the result does not
// depend on the thread count (and integer sums modulo 2^32 do not depend on the order anyway).
#ifndef NITRO_OPS_KERNELS_GEMM_S16_H_
#define NITRO_OPS_KERNELS_GEMM_S16_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "ops/kernels/conv2d.h"

namespace nitro::kernels {

// The instruction tiers of the micro-kernel. kScalar is plain C++ with the same packing (for tests
// and machines without SIMD); kNone means "use the portable reference kernels".
enum class GemmTier { kNone, kScalar, kAvx2, kAvx512Vnni };

const char* GemmTierName(GemmTier tier);

// The tier the ops use: the best SIMD tier this CPU runs (CPUID, checked at run time), or kNone
// without one or when NITRO_PORTABLE_KERNELS is set. NITRO_KERNEL_TIER caps it: "avx2" forces the
// AVX2 tier on an AVX-512 machine, "scalar" the plain C++ tier, "portable" the reference kernels;
// "avx512" (the default) takes the best. Read once per process.
GemmTier ActiveGemmTier();

// Every tier this CPU can run, kScalar first, regardless of the environment (tests, benchmarks).
std::vector<GemmTier> RunnableGemmTiers();

// Weights packed into micro-kernel panels (gemm_s16.cc).
struct PackedPanel;

// The Conv2D forward z[b,f,y,x] = Σ_{c,k,l} x[b,c,y+k-pad,x+l-pad] · w[f,c,k,l] (mod 2^32) of one
// weight tensor w [F, C, KH, KW]. The constructor packs w once; Forward then serves any number of
// batches of images with the packed shape.
class ConvS16 {
 public:
  // d gives C, H, W, F, KH, KW and pad (d.B is ignored). Packs nothing when tier is kNone.
  ConvS16(const int32_t* w, const ConvDims& d, GemmTier tier = ActiveGemmTier());
  ~ConvS16();
  ConvS16(const ConvS16&) = delete;
  ConvS16& operator=(const ConvS16&) = delete;

  // True when Forward runs (a tier was given and the shape is supported).
  bool ok() const { return panel_ != nullptr; }
  // 1 when every weight fits int16, else 2 (the hi and lo planes).
  int planes() const;

  // z [batch, F, Ho, Wo] for x [batch, C, H, W]. Returns false, writing nothing, when !ok().
  bool Forward(const int8_t* x, int32_t* z, int64_t batch) const;
  bool Forward(const int16_t* x, int32_t* z, int64_t batch) const;

 private:
  template <typename X>
  bool ForwardImpl(const X* x, int32_t* z, int64_t batch) const;

  ConvDims d_;
  std::unique_ptr<PackedPanel> panel_;
  std::vector<int64_t> koff_;  // per step: word offset of its (channel pair, tap) from the pixel
};

// One-shot forms: pack, run, release. Return false (writing nothing) when the tier is kNone.
bool Conv2DForwardS16(const int8_t* x, const int32_t* w, int32_t* z, const ConvDims& d,
                      GemmTier tier = ActiveGemmTier());
bool Conv2DForwardS16(const int16_t* x, const int32_t* w, int32_t* z, const ConvDims& d,
                      GemmTier tier = ActiveGemmTier());

// The Linear forward z[b, o] = Σ_i x[b, i] · w[o, i] (mod 2^32), x [B, I], w [O, I], z [B, O], as
// zᵀ = w·xᵀ: the weight rows are the broadcast operand and the batch is the panel. The Linear op
// does not use it: at batch 64 each weight serves only 64 products, so the per-call conversion of
// the weights dominates, and the dot-product kernel of linear_avx2.h, which needs no transpose,
// is as fast or faster on the paper's shapes (bench/conv_bench, docs/performance.md).
bool LinearForwardS16(const int8_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O,
                      GemmTier tier = ActiveGemmTier());
bool LinearForwardS16(const int16_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O,
                      GemmTier tier = ActiveGemmTier());

// Whether the Linear op should run a layer of I inputs and O outputs through the GEMM above
// (LinearForwardS16, LinearWeightGradS16) rather than linear_avx2.h's kernels, on `tier`: where
// bench/conv_bench measured the GEMM faster (docs/performance.md). With AVX-512 VNNI from 64
// outputs and 256 inputs (MLP-1's first layer: 1.3-1.5x; VGG8B's fc: 2.2x forward, 3.2x weight
// gradient); with AVX2 only for wide layers (O >= 256, I >= 1024: the fc 1.5x); never for few
// outputs (a head's 10), where packing the inputs costs more than the GEMM saves.
bool LinearPrefersGemm(GemmTier tier, int64_t I, int64_t O);

// The Linear weight gradient g[o, i] = Σ_b dz[b, o] · x[b, i] (mod 2^32), dz [B, O], x [B, I],
// g [O, I], as a GEMM over batch pairs: dz's columns are the broadcast operand (two planes when
// some dz value does not fit int16, decided per call), x the packed panel. Only the AVX-512 VNNI
// tier is faster than linear_avx2.h's weight-gradient kernel on the paper's shapes, so the op
// calls it on that tier alone (docs/performance.md).
bool LinearWeightGradS16(const int8_t* dz, const int8_t* x, int32_t* g, int64_t B, int64_t I, int64_t O,
                         GemmTier tier = ActiveGemmTier());
bool LinearWeightGradS16(const int32_t* dz, const int8_t* x, int32_t* g, int64_t B, int64_t I, int64_t O,
                         GemmTier tier = ActiveGemmTier());
bool LinearWeightGradS16(const int8_t* dz, const int16_t* x, int32_t* g, int64_t B, int64_t I, int64_t O,
                         GemmTier tier = ActiveGemmTier());
bool LinearWeightGradS16(const int32_t* dz, const int16_t* x, int32_t* g, int64_t B, int64_t I, int64_t O,
                         GemmTier tier = ActiveGemmTier());

// The patch sums of the sparse Conv2D weight gradient (conv2d_sparse_grad.h): n patches of `rows`
// rows of `len` int8 values, patch p's row k starting at x + off[p] + k·stride, scaled by the
// int32 deltas d[p] and added to a uint32 accumulator of rows × len:
//   acc[k·len + t] += Σ_{p < n} d[p] · x[off[p] + k·stride + t]   (mod 2^32).
// Patches go in pairs through the pair products (vpmaddwd, vpdpwssd), up to four pairs per pass
// over the accumulator; a pair whose deltas do not both fit int16 adds its Hi16 parts, shifted
// by 16, as a second product (d ≡ Hi16(d)·2^16 + Lo16(d)). So the result is exact for every int32
// delta, and it equals the portable loop's. Returns false, writing nothing, when tier is kNone.
bool PatchSumS8(uint32_t* acc, const int32_t* d, const int64_t* off, int64_t n, const int8_t* x, int64_t rows,
                int64_t len, int64_t stride, GemmTier tier = ActiveGemmTier());

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_GEMM_S16_H_
