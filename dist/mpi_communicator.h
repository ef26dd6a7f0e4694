// The MPI implementation of Communicator (Open MPI), over MPI_COMM_WORLD with MPI_ERRORS_RETURN:
// a failing MPI call comes back as a Status naming the rank instead of aborting the job.
#ifndef NITRO_DIST_MPI_COMMUNICATOR_H_
#define NITRO_DIST_MPI_COMMUNICATOR_H_

#include <memory>

#include "absl/status/statusor.h"
#include "dist/communicator.h"

namespace nitro {

// Whether this process was started by an MPI launcher (mpirun/mpiexec, or a PMI-based one).
bool LaunchedByMpi();

// The run's communicator: under an MPI launcher, MPI_COMM_WORLD (MPI is initialised here, with
// MPI_THREAD_SERIALIZED, and finalised when the communicator is destroyed); otherwise the
// single-process communicator, without touching MPI.
absl::StatusOr<std::unique_ptr<Communicator>> NewCommunicatorForProcess();

}  // namespace nitro

#endif  // NITRO_DIST_MPI_COMMUNICATOR_H_
