#include "runtime/serial_executor.h"

#include "graph/status_macros.h"

namespace nitro {

absl::Status RunSerial(Plan& plan, bool training, RandomSource* rng) {
  for (int i = 0; i < plan.num_nodes(); ++i) RETURN_IF_ERROR(plan.RunNode(i, training, rng));
  return absl::OkStatus();
}

}  // namespace nitro
