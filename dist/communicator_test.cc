// The single-process communicator, and that a process not started by mpirun gets it.
#include "dist/communicator.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dist/mpi_communicator.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

TEST(SingleProcessCommunicatorTest, CollectivesAreTheIdentity) {
  std::unique_ptr<Communicator> comm = NewSingleProcessCommunicator();
  EXPECT_EQ(comm->rank(), 0);
  EXPECT_EQ(comm->size(), 1);
  const std::vector<uint32_t> in = {1, 0xffffffffu, 7};
  std::vector<uint32_t> out(3, 0);
  ASSERT_TRUE(comm->AllReduceSumU32(in, absl::MakeSpan(out)).ok());
  EXPECT_EQ(out, in);
  std::vector<uint32_t> shorter(2);
  EXPECT_FALSE(comm->AllReduceSumU32(in, absl::MakeSpan(shorter)).ok());
  std::vector<int64_t> counts = {3, -4};
  ASSERT_TRUE(comm->AllReduceSumI64(absl::MakeSpan(counts)).ok());
  EXPECT_EQ(counts, (std::vector<int64_t>{3, -4}));
  std::vector<uint8_t> all;
  const std::vector<uint8_t> mine = {9, 8};
  ASSERT_TRUE(comm->AllGather(mine, &all).ok());
  EXPECT_EQ(all, mine);
  EXPECT_TRUE(comm->Barrier().ok());
}

TEST(ProcessCommunicatorTest, WithoutAnMpiLauncherTheRunIsOneProcess) {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) unsetenv(var);
  EXPECT_FALSE(LaunchedByMpi());
  absl::StatusOr<std::unique_ptr<Communicator>> comm = NewCommunicatorForProcess();
  ASSERT_TRUE(comm.ok()) << comm.status();
  EXPECT_EQ((*comm)->size(), 1);
}

TEST(ProcessCommunicatorTest, IsSetOnce) {
  std::unique_ptr<Communicator> comm = NewSingleProcessCommunicator();
  SetProcessCommunicator(comm.get());
  EXPECT_EQ(ProcessCommunicator(), comm.get());
  SetProcessCommunicator(nullptr);
  EXPECT_EQ(ProcessCommunicator(), nullptr);
}

}  // namespace
}  // namespace nitro
