// The communication between the processes (ranks) of a data-parallel run: the few collectives that
// data parallelism needs, behind an interface with an MPI implementation (dist/mpi_communicator.h)
// and a single-process one. Every collective must be called by every rank in the same order.
#ifndef NITRO_DIST_COMMUNICATOR_H_
#define NITRO_DIST_COMMUNICATOR_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace nitro {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // out[i] = the sum over all ranks of in[i], modulo 2^32: int32 gradients summed as one process
  // sums them (an order-free, exact reduction). `in` and `out` have the same length; they may be
  // the same span.
  virtual absl::Status AllReduceSumU32(absl::Span<const uint32_t> in, absl::Span<uint32_t> out) = 0;
  // data[i] = the sum over all ranks of data[i] (counts, loss sums).
  virtual absl::Status AllReduceSumI64(absl::Span<int64_t> data) = 0;
  // Every rank's `mine` (all of the same length), in rank order.
  virtual absl::Status AllGather(absl::Span<const uint8_t> mine, std::vector<uint8_t>* all) = 0;
  virtual absl::Status Barrier() = 0;
  // Ends every rank of the job now (after an error on this rank, so that no rank waits forever).
  virtual void Abort(int exit_code) = 0;
};

// One process: rank 0 of 1; every collective is the identity.
std::unique_ptr<Communicator> NewSingleProcessCommunicator();

// The communicator of this process's data-parallel run, which the AllReduce op uses (null: none).
// Set once by the binary before training; not owned.
void SetProcessCommunicator(Communicator* comm);
Communicator* ProcessCommunicator();

}  // namespace nitro

#endif  // NITRO_DIST_COMMUNICATOR_H_
