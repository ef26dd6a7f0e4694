#include "runtime/serial_executor.h"

#include "graph/status_macros.h"

namespace nitro {

absl::Status RunSerial(Plan& plan, bool training, RandomSource* rng) {
  for (int i : plan.order()) RETURN_IF_ERROR(plan.RunNode(i, training, rng));
  return absl::OkStatus();
}

}  // namespace nitro
