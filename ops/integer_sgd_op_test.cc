// IntegerSGD (spec §4.1) through the kernel runner: w' = w - (trunc(g / (lr_inv·amp)) +
// trunc(w / decay_inv)) with int32 wrap, the 64-bit divisor, and the attribute and runtime errors.
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMin32 = std::numeric_limits<int32_t>::min();

std::string Sgd(int64_t amp, int64_t decay_inv) {
  return absl::StrCat(R"(op: "IntegerSGD" in: "w" in: "g" in: "lr_inv" out: "w1" attr { name: "amp" i: )", amp,
                      R"( } attr { name: "decay_inv" i: )", decay_inv, " }");
}

absl::StatusOr<Tensor> Step(const std::string& node, const Tensor& w, const Tensor& g, int64_t lr_inv) {
  return RunKernel(node, {{"w", w}, {"g", g}, {"lr_inv", Int64({}, {lr_inv})}}, "w1");
}

TEST(IntegerSgdTest, GradientStepAndDecayTruncateTowardZero) {
  // lr_inv·amp = 100·2 = 200; decay_inv 300 uses w before the update.
  //   1000 - (trunc(700/200) + trunc(1000/300)) = 1000 - (3 + 3); the negatives mirror it;
  //   7 - (trunc(199/200) + trunc(7/300)) = 7; -7 - (trunc(-399/200) + 0) = -7 + 1.
  absl::StatusOr<Tensor> w1 =
      Step(Sgd(2, 300), Int32({4}, {1000, -1000, 7, -7}), Int32({4}, {700, -700, 199, -399}), 100);
  ASSERT_TRUE(w1.ok()) << w1.status();
  EXPECT_EQ(*w1, Int32({4}, {994, -994, 7, -6}));
}

TEST(IntegerSgdTest, DecayZeroDisablesDecayAndTheSubtractionWraps) {
  // -2^31 - trunc(200/200) wraps to 2^31 - 1; 2^31 - 1 - trunc(-200/200) wraps to -2^31.
  absl::StatusOr<Tensor> w1 = Step(Sgd(1, 0), Int32({3}, {kMin32, kMax32, 5}), Int32({3}, {200, -200, 0}), 200);
  ASSERT_TRUE(w1.ok()) << w1.status();
  EXPECT_EQ(*w1, Int32({3}, {kMax32, kMin32, 5}));
}

TEST(IntegerSgdTest, DivisorsBeyond32Bits) {
  // lr_inv·amp = 2^40: every int32 gradient step truncates to 0, only the decay moves w.
  absl::StatusOr<Tensor> w1 = Step(Sgd(1, 10), Int32({2}, {105, -105}), Int32({2}, {kMax32, kMin32}), int64_t{1} << 40);
  ASSERT_TRUE(w1.ok()) << w1.status();
  EXPECT_EQ(*w1, Int32({2}, {95, -95}));
}

TEST(IntegerSgdTest, RuntimeErrors) {
  const Tensor w = Int32({1}, {1});
  absl::Status zero = Step(Sgd(1, 0), w, w, 0).status();
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(zero.message(), "kernel_runner:1: node 'w1' (IntegerSGD): lr_inv must be positive, got 0");
  absl::Status overflow = Step(Sgd(4, 0), w, w, int64_t{1} << 61).status();
  EXPECT_EQ(overflow.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(overflow.message(), "kernel_runner:1: node 'w1' (IntegerSGD): lr_inv·amp overflows 62 bits");
}

TEST(IntegerSgdTest, ShapeAndAttributeErrors) {
  auto error = [](const std::string& node, const Tensor& w, const Tensor& g, const Tensor& lr) {
    return std::string(KernelRunner::Create(node, {{"w", w}, {"g", g}, {"lr_inv", lr}}).status().message());
  };
  const Tensor w = Int32({2}, {1, 2});
  const Tensor lr = Int64({}, {1});
  EXPECT_EQ(error(Sgd(1, 0), w, Int32({3}, {1, 2, 3}), lr),
            "kernel_runner:1: node 'w1' (IntegerSGD): weight w [2] and gradient g [3] must have the same shape");
  EXPECT_EQ(error(Sgd(1, 0), w, w, Int64({1}, {1})),
            "kernel_runner:1: node 'w1' (IntegerSGD): lr_inv must be a scalar (shape [])");
  EXPECT_EQ(error(Sgd(0, 0), w, w, lr), "kernel_runner:1: node 'w1' (IntegerSGD): amp must be positive, got 0");
  EXPECT_EQ(error(Sgd(1, -1), w, w, lr),
            "kernel_runner:1: node 'w1' (IntegerSGD): decay_inv must be >= 0 (0 disables decay)");
}

}  // namespace
}  // namespace nitro
