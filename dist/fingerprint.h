// The start-of-run check that every rank trains the same thing: each rank's digests (of the model
// text, the data, the flags) are gathered and compared with rank 0's.
#ifndef NITRO_DIST_FINGERPRINT_H_
#define NITRO_DIST_FINGERPRINT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "dist/communicator.h"

namespace nitro {

// One named digest, e.g. {"model", Sha256Hex(text)}. Every rank must pass the same names with
// digests of the same length, in the same order.
using Fingerprint = std::vector<std::pair<std::string, std::string>>;

// FailedPrecondition on every rank, naming the first rank and the first digest that differ from
// rank 0's ("rank 2's fingerprint of the data differs from rank 0's ..."); OK when all agree.
absl::Status CheckSameOnEveryRank(Communicator& comm, const Fingerprint& mine);

}  // namespace nitro

#endif  // NITRO_DIST_FINGERPRINT_H_
