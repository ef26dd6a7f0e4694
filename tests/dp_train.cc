// Test-only trainer for tests/data_parallel_mpi_test.sh: trains MODEL on the synthetic data set
// (tests/synthetic_data.h) as one rank of an mpirun job, or as one process without mpirun, and
// writes OUT (rank 0). Usage: dp_train MODEL RNG(default|numpy) EPOCHS OUT [--resume]
// DP_TRAIN_DIE_RANK=r makes rank r exit abruptly (no MPI_Finalize) once its trainer is created.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "dist/communicator.h"
#include "dist/mpi_communicator.h"
#include "tests/synthetic_data.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: dp_train MODEL RNG EPOCHS OUT [--resume]\n");
    return 2;
  }
  auto comm = nitro::NewCommunicatorForProcess();
  if (!comm.ok()) {
    std::fprintf(stderr, "dp_train: %s\n", std::string(comm.status().message()).c_str());
    return 1;
  }
  nitro::TrainOptions o;
  o.model_path = argv[1];
  o.rng = std::strcmp(argv[2], "numpy") == 0 ? nitro::RngKind::kNumpy : nitro::RngKind::kDefault;
  o.epochs = std::atoll(argv[3]);
  o.out_dir = argv[4];
  o.resume = argc > 5 && std::strcmp(argv[5], "--resume") == 0;
  o.threads = 1;
  o.val_size = 160;
  o.max_batches = 6;
  o.log = nullptr;
  o.comm = (*comm)->size() > 1 ? comm->get() : nullptr;
  nitro::SyntheticOptions d;
  d.n_train = 800;
  d.n_test = 96;
  auto trainer = nitro::Trainer::Create(o, nitro::MakeSyntheticData(d));
  const char* die = std::getenv("DP_TRAIN_DIE_RANK");
  if (trainer.ok() && die != nullptr && std::atoi(die) == (*comm)->rank()) std::_Exit(3);
  const absl::Status s = trainer.ok() ? (*trainer)->Run() : trainer.status();
  if (!s.ok()) {
    std::fprintf(stderr, "dp_train: rank %d of %d: %s\n", (*comm)->rank(), (*comm)->size(),
                 std::string(s.message()).c_str());
    std::fflush(stderr);
    (*comm)->Abort(1);
    return 1;
  }
  return 0;
}
