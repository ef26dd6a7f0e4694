// RankSteps: the batch-size check, and that the ranks' slices of an augmented batch, put together,
// are the single-process batch, with the random stream left where one process leaves it.
#include "train/rank_steps.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "dist/communicator.h"
#include "gtest/gtest.h"
#include "random/default_random.h"

namespace nitro {
namespace {

// Rank `rank` of `size`, without collectives (the steps tested here make none).
class FakeRank : public Communicator {
 public:
  FakeRank(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  absl::Status AllReduceSumU32(absl::Span<const uint32_t>, absl::Span<uint32_t>) override { return Unused(); }
  absl::Status AllReduceSumI64(absl::Span<int64_t>) override { return Unused(); }
  absl::Status AllGather(absl::Span<const uint8_t>, std::vector<uint8_t>*) override { return Unused(); }
  absl::Status Barrier() override { return Unused(); }
  void Abort(int) override {}

 private:
  static absl::Status Unused() { return absl::UnimplementedError("not in this test"); }
  int rank_, size_;
};

TEST(RankStepsTest, OneProcessRunsTheWholeBatch) {
  absl::StatusOr<RankSteps> r = RankSteps::Create(nullptr, 64, "m.pbtxt");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->ranks(), 1);
  EXPECT_EQ(r->slice_batch(), 64);
  EXPECT_TRUE(r->writer());
  std::vector<int64_t> counts = {5};
  EXPECT_TRUE(r->SumCounts(absl::MakeSpan(counts)).ok());
  EXPECT_EQ(counts[0], 5);
  EXPECT_TRUE(r->CheckSameOnEveryRank({{"model", "abc"}}).ok());
}

TEST(RankStepsTest, ABatchThatDoesNotDivideIsRefused) {
  FakeRank rank(0, 3);
  absl::StatusOr<RankSteps> r = RankSteps::Create(&rank, 64, "m.pbtxt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("m.pbtxt: the batch size 64 does not divide by the 3 ranks"),
            absl::string_view::npos)
      << r.status();
}

TEST(RankStepsTest, SlicesOfAnAugmentedBatchAreTheWholeBatchsRows) {
  Tensor x(kInt8, {10, 1, 4, 4}), y(kInt8, {10, 3});
  for (int64_t i = 0; i < x.size(); ++i) x.data<int8_t>()[i] = static_cast<int8_t>(i * 7 % 251 - 120);
  for (int64_t i = 0; i < y.size(); ++i) y.data<int8_t>()[i] = static_cast<int8_t>(i % 5);
  google::protobuf::RepeatedField<int64_t> order;
  for (int64_t i : {3, 9, 0, 4, 8, 1, 7, 2, 6, 5}) order.Add(i);
  AugmentOptions augment;
  augment.crop = true;
  augment.crop_padding = 1;
  augment.flip = true;
  for (bool per_sample : {false, true}) {
    augment.per_sample = per_sample;
    absl::StatusOr<RankSteps> one = RankSteps::Create(nullptr, 4, "m");
    ASSERT_TRUE(one.ok());
    Tensor image(kInt8, {4, 1, 4, 4}), target(kInt8, {4, 3});
    DefaultRandom rng(5);
    ASSERT_TRUE(one->FillTrainingBatch(x, y, order, 1, augment, rng, &image, &target).ok());
    const uint32_t next = rng.NextU32();
    for (int r = 0; r < 2; ++r) {
      SCOPED_TRACE(testing::Message() << "per_sample " << per_sample << ", rank " << r);
      FakeRank comm(r, 2);
      absl::StatusOr<RankSteps> steps = RankSteps::Create(&comm, 4, "m");
      ASSERT_TRUE(steps.ok());
      EXPECT_EQ(steps->slice_batch(), 2);
      EXPECT_EQ(steps->writer(), r == 0);
      Tensor part(kInt8, {2, 1, 4, 4}), part_target(kInt8, {2, 3});
      DefaultRandom rank_rng(5);
      ASSERT_TRUE(steps->FillTrainingBatch(x, y, order, 1, augment, rank_rng, &part, &part_target).ok());
      EXPECT_EQ(std::memcmp(part.raw(), static_cast<const int8_t*>(image.raw()) + r * part.bytes(), part.bytes()), 0);
      EXPECT_EQ(std::memcmp(part_target.raw(), static_cast<const int8_t*>(target.raw()) + r * part_target.bytes(),
                            part_target.bytes()),
                0);
      EXPECT_EQ(rank_rng.NextU32(), next);
      EXPECT_TRUE(steps->OwnsChunk(r));
      EXPECT_FALSE(steps->OwnsChunk(r + 1));
    }
  }
  SetProcessCommunicator(nullptr);
}

}  // namespace
}  // namespace nitro
