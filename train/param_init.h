// Integer parameter initialisation (spec §5): the Kaiming-uniform integer bound with isqrt,
// drawn in declaration order with the reference's randint algorithm.
#ifndef NITRO_TRAIN_PARAM_INIT_H_
#define NITRO_TRAIN_PARAM_INIT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "graph/random_source.h"
#include "graph/tensor.h"
#include "proto/nitro.pb.h"

namespace nitro {

// floor(sqrt(n)) for n >= 0, by the reference's Newton iteration.
int64_t ISqrt(int64_t n);

// bound = min(floor(gain·128·1732 / (isqrt(fan_in)·10^6)), cap); gain 1372 and cap 64 when 0.
int64_t KaimingBound(int64_t fan_in, int64_t gain = 0, int64_t cap = 0);

// The fan-in of a weight: the product of all dimensions but the first (in_features for Linear
// [O, I], C·kh·kw for Conv2D [F, C, kh, kw]).
int64_t FanIn(const proto::Param& param);

// Fills a new int32 tensor per `param.init`. Uniform draws are randint(-b, b+1) in C order:
// -b + Bounded(2b) per element, the NumPy legacy algorithm when `rng` is NumpyRandom.
absl::StatusOr<Tensor> InitParam(const proto::Param& param, RandomSource& rng);

}  // namespace nitro

#endif  // NITRO_TRAIN_PARAM_INIT_H_
