// The interface through which stochastic ops (Dropout) draw random numbers.
//
// Implementations live in random/ (a NumPy-legacy MT19937 stream for bit-exact reproduction of
// the reference, and nitro's default stream). No floating point is involved: probabilities are
// integers per million.
#ifndef NITRO_GRAPH_RANDOM_SOURCE_H_
#define NITRO_GRAPH_RANDOM_SOURCE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nitro {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // A uniformly distributed 32-bit word.
  virtual uint32_t NextU32() = 0;
  // A uniform integer in [0, r] (r < 2^32).
  virtual uint32_t Bounded(uint32_t r) = 0;
  // 1 with probability p_per_million / 10^6, else 0. In NumPy mode this is numpy's
  // binomial(1, p), which the implementation reproduces with exact integer thresholds.
  virtual int Bernoulli(int64_t p_per_million) = 0;
  // The generator's full state as bytes, and its restoration: a checkpoint stores it so that a
  // resumed run draws exactly what an uninterrupted one would. LoadState rejects bytes it did not
  // write (DataLoss).
  virtual absl::StatusOr<std::string> SaveState() const = 0;
  // A sticky error from an earlier draw that could not be made exactly (e.g. a Bernoulli
  // probability the NumPy mode has no thresholds for); OK otherwise. Callers check it after a step.
  virtual absl::Status status() const { return absl::OkStatus(); }
  virtual absl::Status LoadState(absl::string_view state) = 0;
};

}  // namespace nitro

#endif  // NITRO_GRAPH_RANDOM_SOURCE_H_
