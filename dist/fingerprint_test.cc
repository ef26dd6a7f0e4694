// CheckSameOnEveryRank against gathered digests: agreement, and the first differing rank and
// digest named.
#include "dist/fingerprint.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace nitro {
namespace {

// Rank 0 of several whose gathered bytes are given.
class Gathered : public Communicator {
 public:
  Gathered(int size, std::vector<std::string> per_rank) : size_(size), per_rank_(std::move(per_rank)) {}
  int rank() const override { return 0; }
  int size() const override { return size_; }
  absl::Status AllReduceSumU32(absl::Span<const uint32_t>, absl::Span<uint32_t>) override { return absl::OkStatus(); }
  absl::Status AllReduceSumI64(absl::Span<int64_t>) override { return absl::OkStatus(); }
  absl::Status AllGather(absl::Span<const uint8_t> mine, std::vector<uint8_t>* all) override {
    all->clear();
    for (const std::string& r : per_rank_) {
      if (r.size() != mine.size()) return absl::InternalError("unequal lengths");
      all->insert(all->end(), r.begin(), r.end());
    }
    return absl::OkStatus();
  }
  absl::Status Barrier() override { return absl::OkStatus(); }
  void Abort(int) override {}

 private:
  int size_;
  std::vector<std::string> per_rank_;
};

TEST(FingerprintTest, EqualDigestsPass) {
  Gathered comm(3, {"aaBB", "aaBB", "aaBB"});
  EXPECT_TRUE(CheckSameOnEveryRank(comm, {{"model", "aa"}, {"data", "BB"}}).ok());
}

TEST(FingerprintTest, TheFirstDifferingRankAndDigestAreNamed) {
  Gathered comm(4, {"aaBB", "aaBB", "aaBC", "abBB"});
  absl::Status s = CheckSameOnEveryRank(comm, {{"model", "aa"}, {"data", "BB"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("rank 2's fingerprint of the data differs from rank 0's"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace nitro
