// The TBB runtime is deterministic at the trainer level: a short training run with 1, 2 and 4 worker
// threads gives the same parameters, history, random state and sample order, bit for bit.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/checkpoint.pb.h"
#include "tests/synthetic_data.h"
#include "train/trainer.h"

namespace nitro {
namespace {

struct ThreadsCase {
  const char* name;
  const char* model;
  Protocol protocol;
  RngKind rng;
};

class ThreadsTrainingTest : public ::testing::TestWithParam<ThreadsCase> {};

TEST_P(ThreadsTrainingTest, SameRunForEveryThreadCount) {
  const ThreadsCase& k = GetParam();
  SyntheticOptions d;
  d.n_train = 3000;
  d.n_test = 300;
  std::vector<std::unique_ptr<Trainer>> runs;
  for (int threads : {1, 2, 4}) {
    SCOPED_TRACE(absl::StrCat(threads, " threads"));
    TrainOptions o;
    o.model_path = k.model;
    o.epochs = 2;
    o.threads = threads;
    o.protocol = k.protocol;
    o.rng = k.rng;
    o.val_size = 300;
    o.log = nullptr;
    auto t = Trainer::Create(o, MakeSyntheticData(d));
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_TRUE((*t)->Run().ok());
    ASSERT_EQ((*t)->state().epochs_done(), 2);
    runs.push_back(std::move(*t));
  }
  const Trainer& ref = *runs[0];
  for (size_t r = 1; r < runs.size(); ++r) {
    SCOPED_TRACE(absl::StrCat(r == 1 ? 2 : 4, " threads against 1"));
    const Trainer& t = *runs[r];
    const auto pa = ref.Params(), pb = t.Params();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) {
      EXPECT_TRUE(pa[i].second->Equals(*pb[i].second)) << "parameter " << pa[i].first << " differs";
    }
    proto::Checkpoint sa = ref.state(), sb = t.state();
    ASSERT_EQ(sa.history_size(), sb.history_size());
    for (int e = 0; e < sa.history_size(); ++e) {
      sa.mutable_history(e)->clear_wall_ms();
      sb.mutable_history(e)->clear_wall_ms();
      EXPECT_EQ(sa.history(e).SerializeAsString(), sb.history(e).SerializeAsString())
          << "epoch " << e + 1 << ":\n"
          << sa.history(e).DebugString() << "vs\n"
          << sb.history(e).DebugString();
    }
    EXPECT_TRUE(sa.rng_state() == sb.rng_state()) << "the random states differ";
    EXPECT_TRUE(std::equal(sa.order().begin(), sa.order().end(), sb.order().begin(), sb.order().end()))
        << "the sample orders differ";
    EXPECT_TRUE(sa.SerializeAsString() == sb.SerializeAsString()) << "the run states differ";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Runs, ThreadsTrainingTest,
    ::testing::Values(ThreadsCase{"dropout_mlp_honest", "tests/resume_mlp.pbtxt", Protocol::kHonest, RngKind::kDefault},
                      ThreadsCase{"dropout_mlp_paper_numpy", "tests/resume_mlp.pbtxt", Protocol::kPaper,
                                  RngKind::kNumpy},
                      ThreadsCase{"cnn_double_visit", "tests/tiny_cnn.pbtxt", Protocol::kHonest, RngKind::kDefault}),
    [](const ::testing::TestParamInfo<ThreadsCase>& i) { return i.param.name; });

}  // namespace
}  // namespace nitro
