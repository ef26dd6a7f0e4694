// Portable reference kernels of the integer Linear layer and its gradients (spec §2.1).
// All products and sums are int32 with two's-complement wrap (modulo 2^32), like NumPy's int32
// matmul; any summation order gives the same result. No framework headers: plain pointers.
#ifndef NITRO_OPS_KERNELS_LINEAR_H_
#define NITRO_OPS_KERNELS_LINEAR_H_

#include <cstdint>

#include "base/check.h"
#include "ops/int_math.h"

namespace nitro::kernels {

// The preconditions every Linear kernel shares: non-negative sizes and non-null buffers.
inline bool ValidLinearArgs(const void* a, const void* b, const void* out, int64_t B, int64_t I, int64_t O) {
  return B >= 0 && I >= 0 && O >= 0 && a != nullptr && b != nullptr && out != nullptr;
}

// z[b, o] = Σ_i x[b, i] · w[o, i]   (x: [B, I] of any integer type, w: [O, I] int32, z: [B, O]).
template <typename X>
void LinearForward(const X* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O) {
  NITRO_DCHECK(ValidLinearArgs(x, w, z, B, I, O));
  for (int64_t b = 0; b < B; ++b) {
    const X* xb = x + b * I;
    for (int64_t o = 0; o < O; ++o) {
      const int32_t* wo = w + o * I;
      uint32_t acc = 0;
      for (int64_t i = 0; i < I; ++i) acc = MacU32(acc, xb[i], wo[i]);
      z[b * O + o] = FromU32(acc);
    }
  }
}

// dx[b, i] = Σ_o dz[b, o] · w[o, i]   (the input delta, computed with the weights before update).
template <typename D>
void LinearInputGrad(const D* dz, const int32_t* w, int32_t* dx, int64_t B, int64_t I, int64_t O) {
  NITRO_DCHECK(ValidLinearArgs(dz, w, dx, B, I, O));
  for (int64_t b = 0; b < B; ++b) {
    uint32_t* row = reinterpret_cast<uint32_t*>(dx + b * I);
    for (int64_t i = 0; i < I; ++i) row[i] = 0;
    for (int64_t o = 0; o < O; ++o) {
      const int32_t d = dz[b * O + o];
      if (d != 0) MacRowU32(row, d, w + o * I, I);
    }
  }
}

// g[o, i] = Σ_b dz[b, o] · x[b, i]   (the weight gradient; never divided by B, spec §10.6).
template <typename D, typename X>
void LinearWeightGrad(const D* dz, const X* x, int32_t* g, int64_t B, int64_t I, int64_t O) {
  NITRO_DCHECK(ValidLinearArgs(dz, x, g, B, I, O));
  uint32_t* gu = reinterpret_cast<uint32_t*>(g);
  for (int64_t k = 0; k < O * I; ++k) gu[k] = 0;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t o = 0; o < O; ++o) {
      const int32_t d = dz[b * O + o];
      if (d != 0) MacRowU32(gu + o * I, d, x + b * I, I);
    }
  }
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_LINEAR_H_
