// Trainer::LoadParams, the core of `nitro eval`: a fresh trainer created with a run's seed and rng
// kind and given the run's checkpoint evaluates exactly as the run itself did; mismatches are refused.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/checkpoint.pb.h"
#include "tests/synthetic_data.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace nitro {
namespace {

constexpr char kModel[] = "tests/accuracy_mlp.pbtxt";

DatasetSplits Data() {
  SyntheticOptions d;
  d.n_train = 3000;
  d.n_test = 777;  // not a multiple of the batch: the last partial batch counts too
  d.noise = 220;
  return MakeSyntheticData(d);
}

// The options `nitro eval` uses: the run's seed and rng, the paper protocol, no output.
TrainOptions EvalOptions(const proto::Checkpoint& c) {
  TrainOptions o;
  o.model_path = kModel;
  o.seed = c.seed();
  o.rng = c.rng_kind() == "numpy" ? RngKind::kNumpy : RngKind::kDefault;
  o.protocol = Protocol::kPaper;
  o.threads = 2;
  o.log = nullptr;
  return o;
}

class LoadParamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp ? tmp : "/tmp", "/load_params_test");
    std::filesystem::create_directories(dir_);
    TrainOptions o;
    o.model_path = kModel;
    o.epochs = 3;
    o.seed = 11;
    o.rng = RngKind::kNumpy;
    o.protocol = Protocol::kHonest;
    o.val_size = 400;
    o.threads = 2;
    o.out_dir = dir_;
    o.log = nullptr;
    auto t = Trainer::Create(o, Data());
    ASSERT_TRUE(t.ok()) << t.status();
    run_ = std::move(*t);
    ASSERT_TRUE(run_->Run().ok());
    auto c = ReadCheckpoint(absl::StrCat(dir_, "/", kCheckpointFileName));
    ASSERT_TRUE(c.ok()) << c.status();
    ckpt_ = *c;
  }

  std::string dir_;
  std::unique_ptr<Trainer> run_;
  proto::Checkpoint ckpt_;
};

TEST_F(LoadParamsTest, EvaluatesLikeTheRun) {
  auto best_in_run = run_->FinalTest();  // honest protocol: best parameters, every test image
  auto last_in_run = run_->EvaluateTest(/*all=*/true);
  ASSERT_TRUE(best_in_run.ok() && last_in_run.ok());
  ASSERT_EQ(best_in_run->total, 777);

  auto t = Trainer::Create(EvalOptions(ckpt_), Data());
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE((*t)->LoadParams(ckpt_, /*best=*/true).ok());
  auto best = (*t)->EvaluateTest(/*all=*/true);
  ASSERT_TRUE(best.ok());
  EXPECT_EQ(best->correct, best_in_run->correct);
  EXPECT_EQ(best->total, best_in_run->total);

  ASSERT_TRUE((*t)->LoadParams(ckpt_, /*best=*/false).ok());
  const auto pa = run_->Params(), pb = (*t)->Params();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(pa[i].second->Equals(*pb[i].second)) << pa[i].first;
  auto last = (*t)->EvaluateTest(/*all=*/true);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->correct, last_in_run->correct);
  EXPECT_EQ(last->total, last_in_run->total);
  std::printf("best epoch %lld: %lld/%lld; last epoch: %lld/%lld\n", static_cast<long long>(ckpt_.best_epoch()),
              static_cast<long long>(best->correct), static_cast<long long>(best->total),
              static_cast<long long>(last->correct), static_cast<long long>(last->total));
}

TEST_F(LoadParamsTest, MismatchesAreRefused) {
  // Another seed or rng kind would normalise the test set differently.
  TrainOptions o = EvalOptions(ckpt_);
  o.seed = 12;
  auto t = Trainer::Create(o, Data());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->LoadParams(ckpt_, true).code(), absl::StatusCode::kFailedPrecondition);
  o = EvalOptions(ckpt_);
  o.rng = RngKind::kDefault;
  t = Trainer::Create(o, Data());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->LoadParams(ckpt_, true).code(), absl::StatusCode::kFailedPrecondition);

  // Another version of the model.
  std::ifstream in(kModel);
  std::stringstream text;
  text << in.rdbuf();
  o = EvalOptions(ckpt_);
  o.model_path = absl::StrCat(dir_, "/edited.pbtxt");
  std::ofstream(o.model_path) << text.str() << "\n# edited\n";
  t = Trainer::Create(o, Data());
  ASSERT_TRUE(t.ok()) << t.status();
  absl::Status s = (*t)->LoadParams(ckpt_, true);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;

  // No parameters yet, missing or misshapen ones; a refused load leaves the parameters alone.
  t = Trainer::Create(EvalOptions(ckpt_), Data());
  ASSERT_TRUE(t.ok()) << t.status();
  std::string before;
  for (const auto& [name, p] : (*t)->Params()) before.append(static_cast<const char*>(p->raw()), p->bytes());
  proto::Checkpoint c = ckpt_;
  c.clear_best_param();
  EXPECT_EQ((*t)->LoadParams(c, true).code(), absl::StatusCode::kFailedPrecondition);
  c = ckpt_;
  c.mutable_param()->RemoveLast();
  EXPECT_EQ((*t)->LoadParams(c, false).code(), absl::StatusCode::kDataLoss);
  c = ckpt_;
  c.mutable_best_param(c.best_param_size() - 1)->set_shape(0, 3);
  s = (*t)->LoadParams(c, true);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  std::string after;
  for (const auto& [name, p] : (*t)->Params()) after.append(static_cast<const char*>(p->raw()), p->bytes());
  EXPECT_TRUE(before == after) << "a refused load changed the parameters";
}

}  // namespace
}  // namespace nitro

namespace nitro {
namespace {

// `nitro train --init-tensors`: a fresh run started from another run's exported parameters holds
// exactly those parameters; a missing or misshapen tensor is refused and changes nothing.
TEST(SetInitialParamsTest, StartsFromGivenTensorsAndRefusesMismatches) {
  TrainOptions o;
  o.model_path = kModel;
  o.epochs = 1;
  o.seed = 3;
  o.protocol = Protocol::kPaper;
  o.threads = 1;
  o.log = nullptr;
  auto donor = Trainer::Create(o, Data());
  ASSERT_TRUE(donor.ok()) << donor.status();
  ASSERT_TRUE((*donor)->Run().ok());
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, t] : (*donor)->Params()) tensors.emplace_back(name, *t);

  o.seed = 4;  // a different initialisation, replaced below
  auto fresh = Trainer::Create(o, Data());
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ASSERT_TRUE((*fresh)->SetInitialParams(tensors, "donor").ok());
  for (const auto& [name, t] : (*fresh)->Params()) {
    bool same = false;
    for (const auto& [n, want] : tensors) same = same || (n == name && want.Equals(*t));
    EXPECT_TRUE(same) << name;
  }

  auto missing = tensors;
  missing.pop_back();
  absl::Status s = (*fresh)->SetInitialParams(missing, "partial.txt");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("partial.txt"), absl::string_view::npos) << s;

  auto wrong = tensors;
  wrong[0].second = Tensor(kInt32, {1, 1});
  s = (*fresh)->SetInitialParams(wrong, "wrong.txt");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("the model needs"), absl::string_view::npos) << s;

  ASSERT_TRUE((*fresh)->Run().ok());
  EXPECT_FALSE((*fresh)->SetInitialParams(tensors, "late").ok());
}

}  // namespace
}  // namespace nitro
