#include "dist/mpi_communicator.h"

#include <mpi.h>

#include <cstdlib>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"

namespace nitro {
namespace {

std::string MpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return absl::StrCat("MPI error ", code);
  return std::string(text, length);
}

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator(int rank, int size) : rank_(rank), size_(size) {}
  ~MpiCommunicator() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  absl::Status AllReduceSumU32(absl::Span<const uint32_t> in, absl::Span<uint32_t> out) override {
    if (in.size() != out.size()) return Error("all-reduce", "input and output differ in length");
    if (absl::Status s = CheckCount(in.size(), "all-reduce"); !s.ok()) return s;
    const void* send = in.data() == out.data() ? MPI_IN_PLACE : static_cast<const void*>(in.data());
    return Check(MPI_Allreduce(send, out.data(), static_cast<int>(out.size()), MPI_UINT32_T, MPI_SUM, MPI_COMM_WORLD),
                 "all-reduce of gradients");
  }
  absl::Status AllReduceSumI64(absl::Span<int64_t> data) override {
    if (absl::Status s = CheckCount(data.size(), "all-reduce"); !s.ok()) return s;
    return Check(
        MPI_Allreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD),
        "all-reduce of counts");
  }
  absl::Status AllGather(absl::Span<const uint8_t> mine, std::vector<uint8_t>* all) override {
    if (absl::Status s = CheckCount(mine.size(), "all-gather"); !s.ok()) return s;
    all->assign(mine.size() * size_, 0);
    return Check(MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, all->data(),
                               static_cast<int>(mine.size()), MPI_BYTE, MPI_COMM_WORLD),
                 "all-gather");
  }
  absl::Status Barrier() override { return Check(MPI_Barrier(MPI_COMM_WORLD), "barrier"); }
  void Abort(int exit_code) override { MPI_Abort(MPI_COMM_WORLD, exit_code); }

 private:
  absl::Status Error(const char* what, const std::string& message) const {
    return absl::InternalError(absl::StrCat("rank ", rank_, " of ", size_, ": MPI ", what, " failed: ", message));
  }
  absl::Status Check(int code, const char* what) const {
    if (code == MPI_SUCCESS) return absl::OkStatus();
    return Error(what, MpiErrorText(code));
  }
  // MPI counts are ints.
  absl::Status CheckCount(size_t n, const char* what) const {
    if (n <= static_cast<size_t>(std::numeric_limits<int>::max())) return absl::OkStatus();
    return Error(what, absl::StrCat(n, " elements do not fit one MPI call"));
  }
  int rank_;
  int size_;
};

}  // namespace

bool LaunchedByMpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(var) != nullptr) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<Communicator>> NewCommunicatorForProcess() {
  if (!LaunchedByMpi()) return NewSingleProcessCommunicator();
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    return absl::UnavailableError("MPI_Init_thread failed; check the mpirun command line and the Open MPI install");
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  auto comm = std::make_unique<MpiCommunicator>(rank, size);
  if (provided < MPI_THREAD_SERIALIZED) {
    return absl::UnavailableError(absl::StrCat("rank ", rank, ": this MPI library does not provide ",
                                               "MPI_THREAD_SERIALIZED, which the TBB runtime's all-reduce needs"));
  }
  return comm;
}

}  // namespace nitro
