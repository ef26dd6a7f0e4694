// Dropout (spec §2.8) through the kernel runner: in training, one Bernoulli(1 - rate) draw per
// element in C order and out = trunc(x·mask·F/1000) as int16 with F = floor(10^6/(1000 - rate‰));
// at evaluation the identity. The masks come from a twin DefaultRandom with the same seed.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "random/default_random.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

std::string DropoutNode(int64_t rate_permille) {
  return absl::StrCat(R"(op: "Dropout" in: "x" out: "y" attr { name: "rate_permille" i: )", rate_permille, " }");
}

TEST(DropoutTest, TrainingDrawsOneMaskPerElementAndRescales) {
  // rate 500‰: keep with probability 1/2, F = 10^6 / 500 = 2000, so a kept x becomes 2x.
  const std::vector<int64_t> x = {1, -1, 50, -50, 127, -128, 3, 0, 91, -67, 10, -10, 64, -64, 2, -2};
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(DropoutNode(500), {{"x", Int8({2, 8}, x)}});
  ASSERT_TRUE(r.ok()) << r.status();
  DefaultRandom rng(42), twin(42);
  ASSERT_TRUE(r->Run(/*training=*/true, &rng).ok());
  std::vector<int64_t> want;
  int kept = 0;
  for (int64_t v : x) {
    const int mask = twin.Bernoulli(500000);
    kept += mask;
    want.push_back(mask * 2 * v);
  }
  EXPECT_EQ(r->Output("y"), Int16({2, 8}, want));
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 16);
  EXPECT_EQ(rng.NextU32(), twin.NextU32());  // exactly one draw per element
}

// Each slice of a batch split into row slices gets exactly the rows of the whole batch's mask, and
// every slice leaves the stream where the whole batch does.
TEST(DropoutTest, BatchSlicesTakeTheirRowsOfTheWholeBatchsMask) {
  std::vector<int64_t> x;
  for (int i = 0; i < 24; ++i) x.push_back(i * 5 - 60);
  absl::StatusOr<KernelRunner> whole = KernelRunner::Create(DropoutNode(500), {{"x", Int8({4, 6}, x)}});
  ASSERT_TRUE(whole.ok()) << whole.status();
  DefaultRandom whole_rng(9);
  ASSERT_TRUE(whole->Run(/*training=*/true, &whole_rng).ok());
  const Tensor want = whole->Output("y");
  const uint32_t next = whole_rng.NextU32();
  for (int slice = 0; slice < 2; ++slice) {
    SCOPED_TRACE(absl::StrCat("slice ", slice));
    const std::vector<int64_t> rows(x.begin() + slice * 12, x.begin() + slice * 12 + 12);
    absl::StatusOr<KernelRunner> r = KernelRunner::Create(
        absl::StrCat(DropoutNode(500), R"( attr { name: "batch_slices" i: 2 } attr { name: "batch_slice" i: )", slice,
                     " }"),
        {{"x", Int8({2, 6}, rows)}});
    ASSERT_TRUE(r.ok()) << r.status();
    DefaultRandom rng(9);
    ASSERT_TRUE(r->Run(/*training=*/true, &rng).ok());
    for (int i = 0; i < 12; ++i) EXPECT_EQ(r->Output("y").Get(i), want.Get(slice * 12 + i)) << i;
    EXPECT_EQ(rng.NextU32(), next);
  }
}

TEST(DropoutTest, RescaleTruncatesTowardZero) {
  // Spec §2.8's ranges: F = 1111 (rate 100‰) maps [-67, 91] to [-74, 101], F = 1176 (150‰) to [-78, 107].
  struct Case {
    int64_t rate, low, high;  // the outputs of a kept -67 and a kept 91
  };
  for (const Case& c : {Case{100, -74, 101}, Case{150, -78, 107}}) {
    SCOPED_TRACE(absl::StrCat("rate ", c.rate));
    const Tensor x = Int8({1, 8}, {-67, 91, -67, 91, -67, 91, -67, 91});
    absl::StatusOr<KernelRunner> r = KernelRunner::Create(DropoutNode(c.rate), {{"x", x}});
    ASSERT_TRUE(r.ok()) << r.status();
    DefaultRandom rng(7), twin(7);
    ASSERT_TRUE(r->Run(/*training=*/true, &rng).ok());
    std::vector<int64_t> want;
    for (int i = 0; i < 8; ++i) want.push_back(twin.Bernoulli((1000 - c.rate) * 1000) ? (i % 2 ? c.high : c.low) : 0);
    EXPECT_EQ(r->Output("y"), Int16({1, 8}, want));
  }
}

TEST(DropoutTest, EvaluationAndRateZeroAreTheIdentityWithoutDraws) {
  const Tensor x = Int8({1, 4}, {-128, -1, 0, 127});
  absl::StatusOr<KernelRunner> eval = KernelRunner::Create(DropoutNode(500), {{"x", x}});
  ASSERT_TRUE(eval.ok()) << eval.status();
  DefaultRandom rng(3), twin(3);
  ASSERT_TRUE(eval->Run(/*training=*/false, &rng).ok());
  EXPECT_EQ(eval->Output("y"), Int16({1, 4}, {-128, -1, 0, 127}));  // int16, not rescaled
  absl::StatusOr<KernelRunner> zero = KernelRunner::Create(DropoutNode(0), {{"x", x}});
  ASSERT_TRUE(zero.ok()) << zero.status();
  ASSERT_TRUE(zero->Run(/*training=*/true, &rng).ok());
  EXPECT_EQ(zero->Output("y"), Int16({1, 4}, {-128, -1, 0, 127}));
  EXPECT_EQ(rng.NextU32(), twin.NextU32());
}

TEST(DropoutTest, Errors) {
  const Tensor x = Int8({1, 2}, {1, 2});
  EXPECT_EQ(KernelRunner::Create(DropoutNode(1000), {{"x", x}}).status().message(),
            "kernel_runner:1: node 'y' (Dropout): rate_permille must be in [0, 999], got 1000");
  EXPECT_EQ(KernelRunner::Create(DropoutNode(-1), {{"x", x}}).status().message(),
            "kernel_runner:1: node 'y' (Dropout): rate_permille must be in [0, 999], got -1");
  EXPECT_EQ(KernelRunner::Create(DropoutNode(100), {{"x", Int32({1, 2}, {1, 2})}}).status().message(),
            "kernel_runner:1: node 'y' (Dropout): input 'x' ('x') has dtype int32, expected int8 or int16");
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(DropoutNode(100), {{"x", x}});
  ASSERT_TRUE(r.ok()) << r.status();
  const absl::Status no_rng = r->Run(/*training=*/true, /*rng=*/nullptr);
  EXPECT_EQ(no_rng.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(no_rng.message(), "kernel_runner:1: node 'y' (Dropout): Dropout needs a random source in training mode");
  // Dropout sits between blocks and is never differentiated.
  EXPECT_EQ(r->Gradient("y", Int16({1, 2}, {1, 1})).status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace nitro
