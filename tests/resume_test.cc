// Resuming is bit-identical to never stopping: a training process killed with SIGKILL mid-run and
// resumed from its checkpoint ends with the parameters, history and random state of an
// uninterrupted run; checkpoints of another model or other flags, and corrupt ones, are refused.
//
// The killed run is a child process: fork() then exec of this same binary with --resume_test_child
// (a fresh process, so the TBB scheduler of the parent is never inherited half-initialised).
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/tsan.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "io/atomic_file.h"
#include "io/gzip_file.h"
#include "proto/checkpoint.pb.h"
#include "tests/synthetic_data.h"
#include "train/checkpoint.h"
#include "train/interrupt.h"
#include "train/trainer.h"

namespace nitro {
namespace {

constexpr char kModel[] = "tests/resume_mlp.pbtxt";
constexpr char kChildFlag[] = "--resume_test_child";
constexpr char kSignalChildFlag[] = "--resume_test_signal_child";
constexpr int64_t kKillAfterEpochs = 2;

struct RunConfig {
  RngKind rng;
  Protocol protocol;
};

std::string ConfigName(const RunConfig& c) { return absl::StrCat(RngKindName(c.rng), "_", ProtocolName(c.protocol)); }

// Enough data that an epoch takes a while, so the kill lands in the middle of a run. ThreadSanitizer
// runs the trainer about ten times slower: a tenth of the data takes as long there.
#ifdef NITRO_TSAN
constexpr int64_t kKillTestSamples = 4800;
#else
constexpr int64_t kKillTestSamples = 48000;
#endif

SyntheticOptions DataOptions() {
  SyntheticOptions d;
  d.n_train = kKillTestSamples;
  d.n_test = 400;
  return d;
}

TrainOptions Options(const RunConfig& c, const std::string& out_dir) {
  TrainOptions o;
  o.model_path = kModel;
  o.threads = 2;
  o.protocol = c.protocol;
  o.rng = c.rng;
  o.val_size = 400;
  o.out_dir = out_dir;
  o.log = nullptr;
  return o;
}

std::string NewTempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(base ? base : "/tmp", "/resume_test_", name, "_", getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string CheckpointPath(const std::string& dir) { return absl::StrCat(dir, "/", kCheckpointFileName); }
std::string PreviousPath(const std::string& dir) { return absl::StrCat(dir, "/", kPreviousCheckpointFileName); }

std::string ReadBytes(const std::string& path) {
  auto b = ReadFileBytes(path);
  return b.ok() ? *b : std::string();
}

// The checkpoint without the wall-clock times, which are the only fields allowed to differ.
proto::Checkpoint WithoutTimes(proto::Checkpoint c) {
  for (auto& e : *c.mutable_history()) e.clear_wall_ms();
  return c;
}

// Parameters, history, random state and the rest of the run state are identical.
void ExpectSameRun(const Trainer& a, const Trainer& b) {
  const auto pa = a.Params(), pb = b.Params();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].first, pb[i].first);
    EXPECT_TRUE(pa[i].second->Equals(*pb[i].second)) << "parameter " << pa[i].first << " differs";
  }
  const proto::Checkpoint sa = WithoutTimes(a.state()), sb = WithoutTimes(b.state());
  ASSERT_EQ(sa.history_size(), sb.history_size());
  for (int i = 0; i < sa.history_size(); ++i) {
    EXPECT_EQ(sa.history(i).SerializeAsString(), sb.history(i).SerializeAsString())
        << "epoch " << i + 1 << ":\n"
        << sa.history(i).DebugString() << "vs\n"
        << sb.history(i).DebugString();
  }
  EXPECT_TRUE(sa.rng_state() == sb.rng_state()) << "the random states differ";
  EXPECT_TRUE(std::equal(sa.order().begin(), sa.order().end(), sb.order().begin(), sb.order().end()))
      << "the sample orders differ";
  EXPECT_TRUE(sa.SerializeAsString() == sb.SerializeAsString()) << "the run states differ";
}

// Starts this binary as a child that trains `c` into `out_dir` from scratch.
pid_t SpawnChild(const RunConfig& c, const std::string& out_dir) {
  std::vector<std::string> args = {"resume_test", kChildFlag, RngKindName(c.rng), ProtocolName(c.protocol), out_dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  return pid;
}

class ResumeTest : public ::testing::TestWithParam<RunConfig> {};

TEST_P(ResumeTest, KilledRunResumesBitIdentically) {
  const RunConfig c = GetParam();
  const std::string full_dir = NewTempDir(ConfigName(c) + "_full");
  const std::string killed_dir = NewTempDir(ConfigName(c) + "_killed");

  // The uninterrupted run.
  auto full = Trainer::Create(Options(c, full_dir), MakeSyntheticData(DataOptions()));
  ASSERT_TRUE(full.ok()) << full.status();
  ASSERT_TRUE((*full)->Run().ok());
  const int64_t total_epochs = (*full)->state().epochs_done();
  ASSERT_GT(total_epochs, kKillAfterEpochs + 1) << "the run must outlast the kill";

  // The same run in a child process, killed once its checkpoint reports kKillAfterEpochs epochs.
  const pid_t pid = SpawnChild(c, killed_dir);
  ASSERT_GT(pid, 0) << "fork failed: " << std::strerror(errno);
  // If an assertion below returns early, the child does not outlive the test.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (waitpid(pid, nullptr, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
  } reaper{pid};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool killed = false;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;  // exited on its own (a failure, below)
    auto ck = ReadCheckpoint(CheckpointPath(killed_dir));
    // The checkpoint is written atomically: a reader sees no file or a whole one, never a torn one.
    ASSERT_TRUE(ck.ok() || absl::IsNotFound(ck.status())) << ck.status();
    if (ck.ok() && ck->epochs_done() >= kKillAfterEpochs) {
      ASSERT_EQ(kill(pid, SIGKILL), 0);
      killed = true;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(killed) << "the child exited by itself (status " << status << ") or wrote no checkpoint with "
                      << kKillAfterEpochs << " epochs in 120 s";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

  auto at_kill = ReadCheckpoint(CheckpointPath(killed_dir));
  ASSERT_TRUE(at_kill.ok()) << at_kill.status();
  ASSERT_GE(at_kill->epochs_done(), kKillAfterEpochs);
  ASSERT_LT(at_kill->epochs_done(), total_epochs) << "the kill came after the run had finished";

  // Resume in this process, to the end.
  TrainOptions ro = Options(c, killed_dir);
  ro.resume = true;
  auto resumed = Trainer::Create(ro, MakeSyntheticData(DataOptions()));
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ((*resumed)->state().epochs_done(), at_kill->epochs_done());
  ASSERT_TRUE((*resumed)->Run().ok());

  ExpectSameRun(**full, **resumed);
  auto fa = (*full)->FinalTest(), fb = (*resumed)->FinalTest();
  ASSERT_TRUE(fa.ok() && fb.ok());
  EXPECT_EQ(fa->correct, fb->correct);
  EXPECT_EQ(fa->total, fb->total);
  // And what the resumed run left on disk is the same as the uninterrupted run's checkpoint.
  auto disk_full = ReadCheckpoint(CheckpointPath(full_dir));
  auto disk_resumed = ReadCheckpoint(CheckpointPath(killed_dir));
  ASSERT_TRUE(disk_full.ok() && disk_resumed.ok());
  EXPECT_TRUE(WithoutTimes(*disk_full).SerializeAsString() == WithoutTimes(*disk_resumed).SerializeAsString())
      << "the checkpoint files differ";
  EXPECT_TRUE(WithoutTimes(*disk_full).SerializeAsString() == WithoutTimes((*full)->state()).SerializeAsString())
      << "the checkpoint file is not the final state";
  std::string lrs;
  for (const auto& e : (*full)->state().history()) absl::StrAppend(&lrs, " ", e.lr_inv());
  std::printf("%s: killed after epoch %lld of %lld (stopped early: %d; lr_inv per epoch:%s), resumed bit-identically\n",
              ConfigName(c).c_str(), static_cast<long long>(at_kill->epochs_done()),
              static_cast<long long>(total_epochs), (*full)->state().stopped(), lrs.c_str());
}

INSTANTIATE_TEST_SUITE_P(RngAndProtocol, ResumeTest,
                         ::testing::Values(RunConfig{RngKind::kDefault, Protocol::kHonest},
                                           RunConfig{RngKind::kDefault, Protocol::kPaper},
                                           RunConfig{RngKind::kNumpy, Protocol::kHonest},
                                           RunConfig{RngKind::kNumpy, Protocol::kPaper}),
                         [](const ::testing::TestParamInfo<RunConfig>& i) { return ConfigName(i.param); });

// Refusals: a small run of two epochs leaves a checkpoint; resuming it wrongly must fail before
// anything is trained or written.
class ResumeRefusalTest : public ::testing::Test {
 protected:
  static constexpr RunConfig kConfig{RngKind::kDefault, Protocol::kHonest};

  void SetUp() override {
    dir_ = NewTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    TrainOptions o = Options(kConfig, dir_);
    o.epochs = 2;
    auto t = Trainer::Create(o, Data());
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_TRUE((*t)->Run().ok());
    auto ck = ReadCheckpoint(CheckpointPath(dir_));
    ASSERT_TRUE(ck.ok()) << ck.status();
    ckpt_ = *ck;
    ckpt_bytes_ = ReadBytes(CheckpointPath(dir_));
    metrics_bytes_ = ReadBytes(absl::StrCat(dir_, "/metrics.csv"));
  }

  static DatasetSplits Data() {
    SyntheticOptions d = DataOptions();
    d.n_train = 1000;
    return MakeSyntheticData(d);
  }

  TrainOptions ResumeOptions() const {
    TrainOptions o = Options(kConfig, dir_);
    o.resume = true;
    return o;
  }

  // Resumes with `o`; the run must not start: the status is returned and nothing on disk changed.
  absl::Status TryResume(const TrainOptions& o) {
    auto t = Trainer::Create(o, Data());
    EXPECT_EQ(ReadBytes(absl::StrCat(dir_, "/metrics.csv")), metrics_bytes_) << "metrics.csv was rewritten";
    return t.status();
  }

  // Replaces the checkpoint file with `bytes`.
  void WriteRaw(const std::string& bytes) { ASSERT_TRUE(WriteFileAtomically(CheckpointPath(dir_), bytes).ok()); }
  void WriteProto(const proto::Checkpoint& c) { ASSERT_TRUE(WriteCheckpoint(CheckpointPath(dir_), c).ok()); }

  // The model text with `from` replaced by `to`, as a new file.
  std::string EditedModel(const std::string& from, const std::string& to) {
    std::ifstream in(kModel);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    EXPECT_NE(text.find(from), std::string::npos);
    const std::string path = absl::StrCat(dir_, "/edited.pbtxt");
    std::ofstream(path) << absl::StrReplaceAll(text, {{from, to}});
    return path;
  }

  void ExpectRefused(const TrainOptions& o, absl::StatusCode code, const std::string& words) {
    absl::Status s = TryResume(o);
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_NE(s.message().find(words), absl::string_view::npos) << s;
    EXPECT_EQ(ReadBytes(CheckpointPath(dir_)), ckpt_bytes_) << "the checkpoint was rewritten";
  }

  std::string dir_;
  proto::Checkpoint ckpt_;
  std::string ckpt_bytes_, metrics_bytes_;
};

TEST_F(ResumeRefusalTest, SameFlagsResume) {
  auto t = Trainer::Create(ResumeOptions(), Data());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->state().epochs_done(), 2);
}

TEST_F(ResumeRefusalTest, AnotherModelIsRefused) {
  TrainOptions o = ResumeOptions();
  o.model_path = EditedModel("name: \"resume_mlp\"", "name: \"other_mlp\"");
  ExpectRefused(o, absl::StatusCode::kFailedPrecondition, "another version of the model");
  // A one-character edit of the same model (another learning rate) is another version too.
  o.model_path = EditedModel("lr_inv: 512", "lr_inv: 256");
  ExpectRefused(o, absl::StatusCode::kFailedPrecondition, "another version of the model");
}

TEST_F(ResumeRefusalTest, OtherFlagsAreRefused) {
  TrainOptions o = ResumeOptions();
  o.seed = 8;
  ExpectRefused(o, absl::StatusCode::kFailedPrecondition, "resume with the same flags");
  o = ResumeOptions();
  o.rng = RngKind::kNumpy;
  ExpectRefused(o, absl::StatusCode::kFailedPrecondition, "resume with the same flags");
  o = ResumeOptions();
  o.protocol = Protocol::kPaper;
  ExpectRefused(o, absl::StatusCode::kFailedPrecondition, "resume with the same flags");
  o = ResumeOptions();
  o.val_size = 300;  // another number of training samples
  ExpectRefused(o, absl::StatusCode::kFailedPrecondition, "--val-size=400");
}

TEST_F(ResumeRefusalTest, MissingCheckpointIsNotFound) {
  std::filesystem::remove(CheckpointPath(dir_));
  std::filesystem::remove(PreviousPath(dir_));  // else the run resumes from that one
  absl::Status s = TryResume(ResumeOptions());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_FALSE(std::filesystem::exists(CheckpointPath(dir_)));
}

TEST_F(ResumeRefusalTest, CorruptFileIsDataLoss) {
  std::string flipped = ckpt_bytes_;
  flipped[flipped.size() / 2] ^= 0x10;  // inside the payload: fails the checksum
  std::string truncated = ckpt_bytes_.substr(0, ckpt_bytes_.size() - 100);
  std::filesystem::remove(PreviousPath(dir_));  // else the run resumes from that one (RunInterruptTest)
  for (const std::string& bytes : {flipped, truncated, std::string("not a checkpoint at all"), std::string()}) {
    WriteRaw(bytes);
    ckpt_bytes_ = bytes;
    ExpectRefused(ResumeOptions(), absl::StatusCode::kDataLoss, kCheckpointFileName);
  }
}

// Checksummed files whose content is inconsistent with the run (a damaged writer, an edit).
TEST_F(ResumeRefusalTest, InconsistentContentIsDataLoss) {
  struct Case {
    const char* what;
    void (*edit)(proto::Checkpoint&);
    const char* words;
  };
  const Case cases[] = {
      {"missing parameter", [](proto::Checkpoint& c) { c.mutable_param()->RemoveLast(); }, "is missing"},
      {"parameter of another shape", [](proto::Checkpoint& c) { c.mutable_param(0)->set_shape(0, 31); }, "b0.w"},
      {"truncated parameter data", [](proto::Checkpoint& c) { c.mutable_param(1)->mutable_data()->resize(8); },
       "b0.head.w"},
      {"random state of another kind", [](proto::Checkpoint& c) { c.set_rng_state("MT19937"); }, "random state"},
      {"sample index out of range", [](proto::Checkpoint& c) { c.set_order(3, c.order_size()); }, "sample index"},
      {"order that is no permutation", [](proto::Checkpoint& c) { c.set_order(3, c.order(4)); }, "permutation"},
      {"best parameters of another shape",
       [](proto::Checkpoint& c) { c.mutable_best_param(0)->mutable_data()->resize(4); }, "b0.w"},
      {"best parameters missing", [](proto::Checkpoint& c) { c.clear_best_param(); }, "best"},
      {"history shorter than the epochs", [](proto::Checkpoint& c) { c.mutable_history()->RemoveLast(); }, "epoch"},
      {"best epoch not trained", [](proto::Checkpoint& c) { c.set_best_epoch(7); }, "best epoch"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    proto::Checkpoint c = ckpt_;
    k.edit(c);
    WriteProto(c);
    ckpt_bytes_ = ReadBytes(CheckpointPath(dir_));
    ExpectRefused(ResumeOptions(), absl::StatusCode::kDataLoss, k.words);
  }
}

// Interrupted runs (a stop request, as a SIGINT makes it, after a given number of polls) resumed
// with --resume, possibly several times, mid-epoch and at epoch boundaries, end bit-identical to an
// uninterrupted run; so does one resumed from the previous checkpoint when the newest is corrupt.
class RunInterruptTest : public ::testing::TestWithParam<RunConfig> {
 protected:
  static DatasetSplits Data() {
    SyntheticOptions d = DataOptions();
    // 600 training samples (the honest protocol holds 400 out): 37 batches of 16 per epoch.
    d.n_train = GetParam().protocol == Protocol::kPaper ? 600 : 1000;
    return MakeSyntheticData(d);
  }
  TrainOptions RunOptions(const std::string& dir) const {
    TrainOptions o = Options(GetParam(), dir);
    o.epochs = 3;
    return o;
  }
  std::unique_ptr<Trainer> Uninterrupted() {
    auto t = Trainer::Create(RunOptions(NewTempDir(ConfigName(GetParam()) + "_whole")), Data());
    EXPECT_TRUE(t.ok()) << t.status();
    EXPECT_TRUE(t.ok() && (*t)->Run().ok());
    return t.ok() ? *std::move(t) : nullptr;
  }
  // Runs (resuming unless `fresh`) until the stop request after `polls` polls; the trainer.
  std::unique_ptr<Trainer> RunUntil(const std::string& dir, bool fresh, int polls) {
    TrainOptions o = RunOptions(dir);
    o.resume = !fresh;
    auto count = std::make_shared<int>(0);
    o.stop_requested = [count, polls] { return ++*count >= polls; };
    auto t = Trainer::Create(o, Data());
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok()) return nullptr;
    EXPECT_TRUE((*t)->Run().ok());
    return *std::move(t);
  }
};

TEST_P(RunInterruptTest, InterruptedRunsResumeBitIdentically) {
  auto whole = Uninterrupted();
  ASSERT_NE(whole, nullptr);
  const std::string dir = NewTempDir(ConfigName(GetParam()) + "_interrupted");
  // Mid-epoch 1 (after batch 5), then mid-epoch 2, then at the end of epoch 2, then to the end.
  auto t = RunUntil(dir, /*fresh=*/true, 5);
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->interrupted());
  EXPECT_EQ(t->state().epochs_done(), 0);
  EXPECT_EQ(t->state().batches_done(), 5);
  auto stored = ReadCheckpoint(CheckpointPath(dir));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->batches_done(), 5);
  EXPECT_EQ(stored->partial().train_total(), 5 * 16);

  t = RunUntil(dir, false, 40);  // 31 polls to the end of epoch 1, the boundary, then 8 batches
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->interrupted());
  EXPECT_EQ(t->state().epochs_done(), 1);
  EXPECT_EQ(t->state().batches_done(), 8);

  t = RunUntil(dir, false, 29);  // the rest of epoch 2 (28 polls) and its boundary
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->interrupted());
  EXPECT_EQ(t->state().epochs_done(), 2);
  EXPECT_EQ(t->state().batches_done(), 0);

  t = RunUntil(dir, false, 1000);
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->interrupted());
  EXPECT_EQ(t->state().epochs_done(), 3);
  ExpectSameRun(*whole, *t);
}

TEST_P(RunInterruptTest, CorruptNewestCheckpointResumesFromThePrevious) {
  auto whole = Uninterrupted();
  ASSERT_NE(whole, nullptr);
  const std::string dir = NewTempDir(ConfigName(GetParam()) + "_corrupt");
  auto t = RunUntil(dir, /*fresh=*/true, 45);  // epoch 1, then 8 batches of epoch 2
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->state().batches_done(), 8);
  std::string bytes = ReadBytes(CheckpointPath(dir));
  bytes[bytes.size() / 2] ^= 0x04;
  ASSERT_TRUE(WriteFileAtomically(CheckpointPath(dir), bytes).ok());

  TrainOptions o = RunOptions(dir);
  o.resume = true;
  auto resumed = Trainer::Create(o, Data());
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ((*resumed)->state().epochs_done(), 1);
  EXPECT_EQ((*resumed)->state().batches_done(), 0);
  const std::string& warning = (*resumed)->resume_warning();
  EXPECT_NE(warning.find("checksum mismatch"), std::string::npos) << warning;
  EXPECT_NE(warning.find(absl::StrCat("resuming from the previous checkpoint ", PreviousPath(dir))), std::string::npos)
      << warning;
  EXPECT_NE(warning.find("(after epoch 1)"), std::string::npos) << warning;
  ASSERT_TRUE((*resumed)->Run().ok());
  ExpectSameRun(*whole, **resumed);
}

INSTANTIATE_TEST_SUITE_P(RngAndProtocol, RunInterruptTest,
                         ::testing::Values(RunConfig{RngKind::kNumpy, Protocol::kPaper},
                                           RunConfig{RngKind::kDefault, Protocol::kHonest}),
                         [](const ::testing::TestParamInfo<RunConfig>& i) { return ConfigName(i.param); });

// The real signal path: a child process with nitro's SIGINT/SIGTERM handlers installed trains;
// at its 5th poll it tells the parent over a pipe and waits, the parent sends it a real signal, and
// the child finishes the step, writes the checkpoint and exits. The handler's notice is on its
// stderr, the checkpoint holds the position after batch 5, and the run resumed from it ends equal
// to an uninterrupted one.
class RealSignalTest : public RunInterruptTest {};

TEST_P(RealSignalTest, SignalDuringAnEpochCheckpointsAndResumesBitIdentically) {
  for (int sig : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(sig == SIGINT ? "SIGINT" : "SIGTERM");
    const std::string dir = NewTempDir(absl::StrCat(ConfigName(GetParam()), "_signal", sig));
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const std::string err_path = dir + "/child.stderr";
    std::vector<std::string> args = {"resume_test", kSignalChildFlag, RngKindName(GetParam().rng),
                                     ProtocolName(GetParam().protocol), dir, std::to_string(ready[1])};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      close(ready[0]);
      FILE* err = std::fopen(err_path.c_str(), "w");
      if (err == nullptr || dup2(fileno(err), STDERR_FILENO) < 0) _exit(126);
      execv("/proc/self/exe", argv.data());
      _exit(127);
    }
    ASSERT_GT(pid, 0);
    close(ready[1]);
    char byte = 0;
    ASSERT_EQ(read(ready[0], &byte, 1), 1) << "the child ended before its 5th poll";
    close(ready[0]);
    ASSERT_EQ(kill(pid, sig), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 128 + sig) << ReadBytes(err_path);
    EXPECT_NE(ReadBytes(err_path).find("nitro: interrupted; finishing the current step and writing a checkpoint"),
              std::string::npos)
        << ReadBytes(err_path);
    auto stored = ReadCheckpoint(CheckpointPath(dir));
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->epochs_done(), 0);
    EXPECT_EQ(stored->batches_done(), 5);

    auto resumed = RunUntil(dir, /*fresh=*/false, 1000);
    ASSERT_NE(resumed, nullptr);
    EXPECT_FALSE(resumed->interrupted());
    auto whole = Uninterrupted();
    ASSERT_NE(whole, nullptr);
    ExpectSameRun(*whole, *resumed);
  }
}

INSTANTIATE_TEST_SUITE_P(RngAndProtocol, RealSignalTest,
                         ::testing::Values(RunConfig{RngKind::kNumpy, Protocol::kPaper}),
                         [](const ::testing::TestParamInfo<RunConfig>& i) { return ConfigName(i.param); });

// The signal child: RealSignalTest's run with the real handlers. At the 5th poll it writes one
// byte to the pipe `argv[5]` and waits (10 s at most) for the parent's signal; it exits with
// 128 + the signal when the trainer stopped for it, as `nitro train` does.
int SignalChildMain(int argc, char** argv) {
  if (argc != 6) return 2;
  RunConfig c{std::strcmp(argv[2], "numpy") == 0 ? RngKind::kNumpy : RngKind::kDefault,
              std::strcmp(argv[3], "paper") == 0 ? Protocol::kPaper : Protocol::kHonest};
  const int ready = std::atoi(argv[5]);
  InstallInterruptHandlers();
  TrainOptions o = Options(c, argv[4]);
  o.epochs = 3;
  auto polls = std::make_shared<int>(0);
  o.stop_requested = [polls, ready] {
    if (++*polls == 5) {
      const char byte = 1;
      if (write(ready, &byte, 1) != 1) return true;
      close(ready);
      for (int waited = 0; waited < 10000 && !InterruptRequested(); ++waited) usleep(1000);
    }
    return InterruptRequested();
  };
  SyntheticOptions d = DataOptions();
  d.n_train = 600;  // RunInterruptTest's paper-protocol data
  auto t = Trainer::Create(o, MakeSyntheticData(d));
  absl::Status s = t.ok() ? (*t)->Run() : t.status();
  if (!s.ok()) {
    std::fprintf(stderr, "resume_test signal child: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return (*t)->interrupted() ? 128 + InterruptSignal() : 0;
}

// The child process: trains a run from scratch (until it is killed).
int ChildMain(int argc, char** argv) {
  if (argc != 5) return 2;
  RunConfig c{std::strcmp(argv[2], "numpy") == 0 ? RngKind::kNumpy : RngKind::kDefault,
              std::strcmp(argv[3], "paper") == 0 ? Protocol::kPaper : Protocol::kHonest};
  auto t = Trainer::Create(Options(c, argv[4]), MakeSyntheticData(DataOptions()));
  absl::Status s = t.ok() ? (*t)->Run() : t.status();
  if (!s.ok()) {
    std::fprintf(stderr, "resume_test child: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace nitro

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], nitro::kChildFlag) == 0) return nitro::ChildMain(argc, argv);
  if (argc > 1 && std::strcmp(argv[1], nitro::kSignalChildFlag) == 0) return nitro::SignalChildMain(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
