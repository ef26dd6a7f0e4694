// The serial executor: runs a plan's nodes one after another in Plan::order(). It is the
// reference the parallel runtime must match bit for bit.
#ifndef NITRO_RUNTIME_SERIAL_EXECUTOR_H_
#define NITRO_RUNTIME_SERIAL_EXECUTOR_H_

#include "absl/status/status.h"
#include "graph/random_source.h"
#include "runtime/plan.h"

namespace nitro {

// Runs every node once; stops at the first kernel error (which names the node).
absl::Status RunSerial(Plan& plan, bool training, RandomSource* rng);

}  // namespace nitro

#endif  // NITRO_RUNTIME_SERIAL_EXECUTOR_H_
