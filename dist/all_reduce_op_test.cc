// The AllReduce op through the kernel runner: the identity for one process, a sum modulo 2^32 over
// the ranks, and an error without a process communicator.
#include <cstdint>
#include <vector>

#include "dist/communicator.h"
#include "gtest/gtest.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

constexpr char kNode[] = R"(op: "AllReduce" in: "g" out: "y")";

// Three ranks whose other two contribute `other` each, element for element.
class ThreeRanks : public Communicator {
 public:
  explicit ThreeRanks(std::vector<uint32_t> other) : other_(std::move(other)) {}
  int rank() const override { return 0; }
  int size() const override { return 3; }
  absl::Status AllReduceSumU32(absl::Span<const uint32_t> in, absl::Span<uint32_t> out) override {
    for (size_t i = 0; i < in.size(); ++i) out[i] = in[i] + 2 * other_[i];
    return absl::OkStatus();
  }
  absl::Status AllReduceSumI64(absl::Span<int64_t>) override { return absl::OkStatus(); }
  absl::Status AllGather(absl::Span<const uint8_t>, std::vector<uint8_t>*) override { return absl::OkStatus(); }
  absl::Status Barrier() override { return absl::OkStatus(); }
  void Abort(int) override {}

 private:
  std::vector<uint32_t> other_;
};

TEST(AllReduceOpTest, OneProcessIsTheIdentity) {
  std::unique_ptr<Communicator> comm = NewSingleProcessCommunicator();
  SetProcessCommunicator(comm.get());
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kNode, {{"g", Int32({2, 2}, {1, -2, 2147483647, -7})}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->Run().ok());
  EXPECT_EQ(r->Output("y"), Int32({2, 2}, {1, -2, 2147483647, -7}));
  SetProcessCommunicator(nullptr);
}

TEST(AllReduceOpTest, SumsWrapModulo2To32AsOneProcessDoes) {
  ThreeRanks comm({1, 0xffffffffu, 0x40000000u, 5});  // 1, -1, 2^30, 5 on each other rank
  SetProcessCommunicator(&comm);
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kNode, {{"g", Int32({4}, {10, 3, 2147483647, -20})}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->Run().ok());
  // 2147483647 + 2·2^30 wraps to -2^31 + 2^31 - 1 = ... as int32: 0x7fffffff + 0x80000000 = -1.
  EXPECT_EQ(r->Output("y"), Int32({4}, {12, 1, -1, -10}));
  SetProcessCommunicator(nullptr);
}

TEST(AllReduceOpTest, WithoutACommunicatorTheStepFails) {
  SetProcessCommunicator(nullptr);
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kNode, {{"g", Int32({1}, {1})}});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status s = r->Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

}  // namespace
}  // namespace nitro
