// `nitro train`: trains a model .pbtxt with the NITRO-D protocol and writes a run directory.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/numbers.h"
#include "dataset/datasets.h"
#include "dist/communicator.h"
#include "dist/mpi_communicator.h"
#include "graph/loader.h"
#include "io/tensor_text.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "train/checkpoint.h"
#include "train/interrupt.h"
#include "train/progress.h"
#include "train/run_lock.h"
#include "train/trainer.h"

namespace nitro::cli {
namespace {

constexpr char kTrainDescription[] =
    "Trains a model with integer-only NITRO-D: local-loss blocks, IntegerSGD, the plateau schedule and early "
    "stopping of the paper. After every epoch it writes to --out: checkpoint.pb (resumable), metrics.csv and "
    "accuracy.svg.";

// The flags of `nitro train`: most are bound straight to the trainer's options.
struct TrainFlags {
  TrainOptions options;
  bool quiet = false;
  std::string init_tensors;  // "": the model's initialiser
};

void DeclareTrainFlags(FlagSet& flags, TrainFlags& f) {
  TrainOptions& o = f.options;
  o.model_path = "models/mlp1_mnist.pbtxt";
  flags.String("model", &o.model_path, "the experiment").Value("PATH");
  flags.Int64("epochs", &o.epochs, "maximum epochs").DefaultText("the model's train.epochs");
  flags.Int64("seed", &o.seed, "random seed").DefaultText("the model's train.seed");
  flags.Int("threads", &o.threads, "worker threads of the TBB runtime; results are bit-identical for every N")
      .DefaultText("0: all cores");
  flags.Enum("protocol", &o.protocol,
             {{"honest", Protocol::kHonest,
               "schedule, early stopping and model selection on a held-out part of the training set (--val-size "
               "images); the test set (all images) is evaluated once, with the selected parameters"},
              {"paper", Protocol::kPaper,
               "exactly the reference: everything on the test set (9,984 images), reporting the best test epoch"}},
             "which data drive the schedule, early stopping and the reported epoch");
  flags.Enum("rng", &o.rng,
             {{"default", RngKind::kDefault, "nitro's generator"},
              {"numpy", RngKind::kNumpy,
               "NumPy's legacy MT19937 stream draw for draw (with --protocol=paper this reproduces the "
               "reference's CPU run bit for bit)"}},
             "the random number generator");
  flags.Int64("val-size", &o.val_size, "held-out images for the honest protocol");
  flags.String("data-dir", &o.data_dir, "dataset directory; fill it with tools/fetch_data.sh <dataset>")
      .Value("DIR")
      .DefaultText("data/<dataset>, fetched on first use");
  flags.String("out", &o.out_dir, "run directory").Value("DIR").DefaultText("runs/<model>-<protocol>-seed<seed>");
  flags.Bool("resume", &o.resume, "continue the run in --out from its last checkpoint, bit-identically");
  flags.Bool("single-visit", &o.single_visit, "train CNN FC blocks once per step (the reference trains them twice)");
  flags.Bool("per-sample-augment", &o.per_sample_augment, "one augmentation decision per image instead of per batch");
  flags.Int64("max-batches", &o.max_batches, "train only N batches per epoch (smoke tests)").DefaultText("0: all");
  flags
      .String("init-tensors", &f.init_tensors,
              "start from these parameters instead of the initialiser: the tensor text format of `nitro "
              "export-tensors` (gzipped or not), one record per parameter, matched by name (the random stream "
              "still draws the initialisation, so the rest of the run is unchanged)")
      .Value("FILE")
      .DefaultText("the model's initialiser");
  flags.Bool("quiet", &f.quiet, "no progress output");
}

// runs/<model file name up to its first dot>-<protocol>-seed<seed>, with the model's own seed
// unless --seed overrides it.
std::string DefaultRunDir(const TrainOptions& o, const proto::Model& model) {
  std::string base = o.model_path.substr(o.model_path.find_last_of('/') + 1);
  base = base.substr(0, base.find('.'));
  return absl::StrCat("runs/", base, "-", ProtocolName(o.protocol), "-seed",
                      o.seed >= 0 ? o.seed : model.train().seed());
}

// First use: fetches the dataset the model names into its default directory (unless --data-dir
// names another one, or it is there already).
absl::Status FetchDatasetIfMissing(const TrainOptions& o, const proto::Model& model) {
  const std::string dataset = model.train().dataset();
  if (!o.data_dir.empty() || dataset.empty()) return absl::OkStatus();
  const std::string dir = DefaultDatasetDir(dataset);
  if (std::filesystem::exists(dir)) return absl::OkStatus();
  const std::string root = dir.substr(0, dir.size() - dataset.size() - 1);
  std::printf("nitro train: %s is not in %s yet; fetching it with tools/fetch_data.sh\n", dataset.c_str(), dir.c_str());
  std::fflush(stdout);
  const std::string cmd = absl::StrCat("tools/fetch_data.sh '", dataset, "' '", root, "'");
  if (std::system(cmd.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("fetching ", dataset, " failed; run `", cmd, "` to see why"));
  }
  return absl::OkStatus();
}

// --init-tensors: replaces the initial parameters with the records of a tensor text file.
absl::Status LoadInitTensors(Trainer& t, const std::string& path) {
  auto records = ReadTensorText(path);
  if (!records.ok()) return records.status();
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (auto& r : *records) tensors.emplace_back(r.name, std::move(r.tensor));
  return t.SetInitialParams(tensors, path);
}

// The model file is read first so that the default run directory can carry its seed; the run
// directory exists and the dataset is on disk before the trainer is created (rank 0 fetches it
// while the other ranks wait), and the run directory is locked for the run's lifetime.
absl::StatusOr<std::unique_ptr<Trainer>> CreateTrainer(TrainOptions& o, Communicator& comm,
                                                       std::unique_ptr<RunDirLock>* lock) {
  auto parsed = ReadModelFile(o.model_path);
  if (!parsed.ok()) return parsed.status();
  for (const std::string& w : parsed->warnings) std::fprintf(stderr, "nitro train: warning: %s\n", w.c_str());
  if (o.out_dir.empty()) o.out_dir = DefaultRunDir(o, parsed->model);
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create the run directory ", o.out_dir, ": ", ec.message()));
  }
  // One process per run directory, for the run's lifetime: rank 0, the one writer, holds the lock.
  if (comm.rank() == 0) {
    auto locked = RunDirLock::Acquire(o.out_dir);
    if (!locked.ok()) return locked.status();
    *lock = *std::move(locked);
  }
  absl::Status fetched = comm.rank() == 0 ? FetchDatasetIfMissing(o, parsed->model) : absl::OkStatus();
  if (!fetched.ok()) return fetched;
  absl::Status fetched_everywhere = comm.Barrier();
  if (!fetched_everywhere.ok()) return fetched_everywhere;
  return Trainer::Create(o);
}

void PrintStart(const Trainer& t, const TrainOptions& o) {
  const std::string from =
      !o.resume ? std::string("from scratch")
      : t.state().batches_done() > 0
          ? absl::StrCat("resuming epoch ", t.state().epochs_done() + 1, " after batch ", t.state().batches_done())
          : absl::StrCat("resuming after epoch ", t.state().epochs_done());
  std::printf("nitro train: %s, %s protocol, rng %s, seed %lld, %s -> %s\n", t.state().model_name().c_str(),
              ProtocolName(o.protocol), RngKindName(o.rng), static_cast<long long>(t.state().seed()), from.c_str(),
              o.out_dir.c_str());
  if (o.comm != nullptr) {
    const int64_t ranks = o.comm->size();
    const int64_t bytes = t.AllReduceBytesPerStep();
    std::printf(
        "data parallel: %lld ranks, %lld rows of each batch of %lld per rank; %s bytes of gradients "
        "all-reduced per step (a ring all-reduce sends %s bytes per rank)\n",
        static_cast<long long>(ranks), static_cast<long long>(t.model().batch_size()),
        static_cast<long long>(t.model().batch_size() * ranks), WithThousands(bytes).c_str(),
        WithThousands(2 * (ranks - 1) * bytes / ranks).c_str());
  }
}

// The final line: the reported epoch and its test accuracy, with what the protocol means by them.
void PrintReport(const Trainer& t, const TrainOptions& o, const EvalResult& final_test) {
  const std::string percent = final_test.total > 0 ? FormatPercent(final_test.correct, final_test.total) : "0.00";
  std::printf("best epoch %lld; test accuracy %s%% (%lld/%lld)%s\nrun directory: %s\n",
              static_cast<long long>(t.state().best_epoch()), percent.c_str(),
              static_cast<long long>(final_test.correct), static_cast<long long>(final_test.total),
              o.protocol == Protocol::kPaper ? " [paper protocol: best test epoch]"
                                             : " [honest protocol: selected on validation, test evaluated once]",
              o.out_dir.c_str());
}

// After a SIGINT / SIGTERM: where the run stopped and how to continue it. Exits 128 + the signal.
int ReportInterrupted(const Trainer& t, const TrainOptions& o) {
  const proto::Checkpoint& c = t.state();
  const std::string where = c.batches_done() > 0
                                ? absl::StrCat("at epoch ", c.epochs_done() + 1, ", batch ", c.batches_done())
                                : absl::StrCat("after epoch ", c.epochs_done());
  std::fprintf(stderr,
               "nitro train: interrupted %s; checkpoint written to %s/%s: resume with nitro train --model=%s "
               "--out=%s --resume (and the same flags)\n",
               where.c_str(), o.out_dir.c_str(), kCheckpointFileName, o.model_path.c_str(), o.out_dir.c_str());
  const int sig = InterruptSignal();
  return 128 + (sig > 0 ? sig : SIGINT);
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  TrainFlags f;
  FlagSet flags("nitro train", kTrainDescription);
  DeclareTrainFlags(flags, f);
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;
  if (!f.init_tensors.empty() && f.options.resume) {
    return flags.UsageError("--init-tensors and --resume exclude each other");
  }
  // The ranks come from the MPI launcher (mpirun -np N); without one this is the only process.
  auto comm = NewCommunicatorForProcess();
  if (!comm.ok()) return flags.Fail(comm.status());
  Communicator& c = **comm;
  // With several ranks an error names the rank and ends the whole job, so no rank waits forever.
  auto fail = [&](const absl::Status& s) {
    if (c.size() == 1) return flags.Fail(s);
    const int code =
        flags.Fail(absl::Status(s.code(), absl::StrCat("rank ", c.rank(), " of ", c.size(), ": ", s.message())));
    std::fflush(nullptr);
    c.Abort(code);
    return code;
  };
  TrainOptions& o = f.options;
  const bool writer = c.rank() == 0;
  o.comm = c.size() > 1 ? &c : nullptr;
  o.log = f.quiet || !writer ? nullptr : stdout;
  o.interactive = o.log != nullptr && ProgressReporter::IsTerminal(stdout);

  // Ctrl-C checkpoints and stops a single-process run. Under mpirun the ranks could stop at
  // different steps, so there the launcher's default (ending the whole job) stays.
  if (c.size() == 1) {
    InstallInterruptHandlers();
    o.stop_requested = [] { return InterruptRequested(); };
  }
  std::unique_ptr<RunDirLock> lock;
  auto trainer = CreateTrainer(o, c, &lock);
  if (!trainer.ok()) return fail(trainer.status());
  Trainer& t = **trainer;
  if (!f.init_tensors.empty()) {
    absl::Status s = LoadInitTensors(t, f.init_tensors);
    if (!s.ok()) return fail(s);
  }
  if (writer) PrintStart(t, o);
  absl::Status s = t.Run();
  if (!s.ok()) return fail(s);
  if (t.interrupted()) return ReportInterrupted(t, o);
  auto final_test = t.FinalTest();
  if (!final_test.ok()) return fail(final_test.status());
  if (writer) PrintReport(t, o, *final_test);
  return 0;
}

}  // namespace nitro::cli
