// AVX2 kernels of the integer Linear layer, exact modulo 2^32 like the portable reference in
// linear.h. They use vpmaddwd (16-bit × 16-bit products summed in pairs into 32-bit lanes):
// an int8·int16 product is below 2^22 and a pair sum below 2^23, so no lane overflows before the
// wrapping 32-bit accumulation (vpaddd), which is the reference's int32 arithmetic. Operands wider
// than 16 bits are split into a signed high part and a 15-bit low part, v = hi·2^15 + lo, and the
// two partial products are recombined modulo 2^32.
#ifndef NITRO_OPS_KERNELS_LINEAR_AVX2_H_
#define NITRO_OPS_KERNELS_LINEAR_AVX2_H_

#include <cstdint>

namespace nitro::kernels {

// True unless NITRO_PORTABLE_KERNELS is set: then every op uses the portable reference kernels
// (for benchmarks and cross-checks).
bool FastKernelsEnabled();

// True when this process can run the AVX2 kernels (compiled in, supported by the CPU, and fast
// kernels enabled).
bool HasAvx2Kernels();

// z[b, o] = Σ_i x[b, i] · w[o, i] (mod 2^32) for int8 or int16 x. Returns false (and does
// nothing) when the kernel does not apply; the caller then uses the portable kernel.
bool LinearForwardAvx2(const int8_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O);
bool LinearForwardAvx2(const int16_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O);

// g[o, i] = Σ_b dz[b, o] · x[b, i] (mod 2^32) for int8/int32 dz and int8/int16 x.
bool LinearWeightGradAvx2(const int8_t* dz, const int8_t* x, int32_t* g, int64_t B, int64_t I, int64_t O);
bool LinearWeightGradAvx2(const int32_t* dz, const int8_t* x, int32_t* g, int64_t B, int64_t I, int64_t O);
bool LinearWeightGradAvx2(const int8_t* dz, const int16_t* x, int32_t* g, int64_t B, int64_t I, int64_t O);
bool LinearWeightGradAvx2(const int32_t* dz, const int16_t* x, int32_t* g, int64_t B, int64_t I, int64_t O);

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_LINEAR_AVX2_H_
