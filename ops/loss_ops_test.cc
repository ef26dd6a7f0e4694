// RssLoss and RssLossGrad (spec §3.3) through the kernel runner: the int8-wrapped logged loss, the
// first-maximum accuracy count, and the error e = wrap8(pred - target) that the loss's rule seeds.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kLoss[] = R"(op: "RssLoss" in: "pred" in: "target" out: "loss" out: "correct")";
constexpr char kLossGrad[] = R"(op: "RssLossGrad" in: "pred" in: "target" out: "e")";

// Three samples of three classes; the last one's true-class score -127 wraps the difference.
TensorMap Batch() {
  return {{"pred", Int8({3, 3}, {10, -5, 3, 0, 0, -100, -127, 0, 0})},
          {"target", Int8({3, 3}, {32, 0, 0, 0, 32, 0, 32, 0, 0})}};
}

TEST(RssLossTest, LoggedLossWrapsInInt8AndCountsFirstMaxima) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kLoss, Batch());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->Run().ok());
  // Σ wrap8(d²), d = wrap8(target - pred):
  //   sample 0: d = 22, 5, -3: wrap8(484) = -28, 25, 9;
  //   sample 1: d = 0, 32, 100: 0, wrap8(1024) = 0, wrap8(10000) = 16;
  //   sample 2: d = wrap8(159) = -97, 0, 0: wrap8(9409) = -63.
  EXPECT_EQ(r->Output("loss"), Int64({}, {-28 + 25 + 9 + 16 - 63}));
  // argmax(pred) = 0, 0 (tie, the first wins), 1 (tie); argmax(target) = 0, 1, 0: one correct.
  EXPECT_EQ(r->Output("correct"), Int64({}, {1}));
}

TEST(RssLossTest, ShapeErrors) {
  EXPECT_EQ(KernelRunner::Create(kLoss, {{"pred", Int8({1, 3}, {1, 2, 3})}, {"target", Int8({1, 2}, {1, 2})}})
                .status()
                .message(),
            "kernel_runner:1: node 'loss' (RssLoss): prediction [1, 3] and target [1, 2] must have the same shape");
  EXPECT_EQ(KernelRunner::Create(kLoss, {{"pred", Int8({3}, {1, 2, 3})}, {"target", Int8({3}, {1, 2, 3})}})
                .status()
                .message(),
            "kernel_runner:1: node 'loss' (RssLoss): prediction must have rank 2, got shape [3]");
}

TEST(RssLossTest, LossRuleSeedsTheWrappedError) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kLoss, Batch());
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<Gradients> g = r->LossGradient();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("RssLossGrad"));
  EXPECT_THAT(g->emitted[0].in(), ElementsAre("pred", "target"));
  // No factor 2 and no 1/B; -127 - 32 = -159 wraps to +97 (spec §1.5).
  EXPECT_EQ(g->Of("pred"), Int8({3, 3}, {-22, -5, 3, 0, -32, -100, 97, 0, 0}));
  EXPECT_TRUE(g->Of("target").empty());
  // The prediction from another block needs no gradient: nothing is emitted.
  absl::StatusOr<Gradients> none = r->LossGradient(/*wrt=*/{"target"});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT(none->emitted, IsEmpty());
}

TEST(RssLossGradTest, ErrorValues) {
  absl::StatusOr<Tensor> e = RunKernel(kLossGrad, Batch(), "e");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(*e, Int8({3, 3}, {-22, -5, 3, 0, -32, -100, 97, 0, 0}));
}

TEST(RssLossGradTest, ShapeAndDtypeErrors) {
  EXPECT_EQ(KernelRunner::Create(kLossGrad, {{"pred", Int8({1, 3}, {1, 2, 3})}, {"target", Int8({3, 1}, {1, 2, 3})}})
                .status()
                .message(),
            "kernel_runner:1: node 'e' (RssLossGrad): prediction [1, 3] and target [3, 1] must have the same shape");
  EXPECT_EQ(
      KernelRunner::Create(kLossGrad, {{"pred", Int32({1, 1}, {1})}, {"target", Int8({1, 1}, {1})}}).status().message(),
      "kernel_runner:1: node 'e' (RssLossGrad): input 'pred' ('pred') has dtype int32, expected int8");
}

}  // namespace
}  // namespace nitro
