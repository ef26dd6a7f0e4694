// `nitro eval`: evaluates a run's best (or last) parameters on the whole test set.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/numbers.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace nitro::cli {
namespace {

constexpr char kEvalDescription[] =
    "Evaluates the parameters of a training run on the whole test set (every image, including the last partial "
    "batch) and prints `test accuracy 97.41% (9741/10000)`. The parameters come from DIR/checkpoint.pb; the test "
    "set is preprocessed exactly as in training, with the normalisation statistics of the run's own shuffled "
    "training set (its seed and --rng, read from the checkpoint).";

struct EvalFlags {
  std::string run;
  std::string model;  // "": models/<the checkpoint's model name>.pbtxt
  bool best = false;
  bool last = false;
  std::string data_dir;
  int threads = 0;
};

void DeclareEvalFlags(FlagSet& flags, EvalFlags& f) {
  flags.String("run", &f.run, "the run directory that `nitro train --out=DIR` wrote").Value("DIR").Required();
  flags.String("model", &f.model, "the model the run trained; it must be the very same text the run used")
      .Value("PATH")
      .DefaultText("models/<model name>.pbtxt, the name stored in the checkpoint");
  flags.Bool("best", &f.best, "the parameters of the best epoch (the one `nitro train` reports)")
      .DefaultText("true unless --last");
  flags.Bool("last", &f.last, "the parameters after the last trained epoch");
  flags.String("data-dir", &f.data_dir, "dataset directory").Value("DIR").DefaultText("data/<dataset>");
  flags.Int("threads", &f.threads, "worker threads of the TBB runtime").DefaultText("0: all cores");
}

// The trainer options that reproduce the run's preprocessing of the test set: its seed and rng
// kind from the checkpoint, the model named there (or given), and no output.
absl::StatusOr<TrainOptions> EvalOptions(const EvalFlags& f, const proto::Checkpoint& ckpt) {
  TrainOptions o;
  o.model_path = f.model.empty() ? absl::StrCat("models/", ckpt.model_name(), ".pbtxt") : f.model;
  if (f.model.empty() && !std::filesystem::exists(o.model_path)) {
    return absl::NotFoundError(absl::StrCat("the run trained '", ckpt.model_name(), "' but ", o.model_path,
                                            " does not exist; pass the model with --model=PATH"));
  }
  if (ckpt.rng_kind() != "default" && ckpt.rng_kind() != "numpy") {
    return absl::DataLossError(
        absl::StrCat(f.run, "/", kCheckpointFileName, ": unknown rng kind '", ckpt.rng_kind(), "'"));
  }
  o.rng = ckpt.rng_kind() == "numpy" ? RngKind::kNumpy : RngKind::kDefault;
  o.seed = ckpt.seed();
  // The test set is preprocessed the same way under either protocol; the paper protocol needs no
  // held-out split, whose size the checkpoint does not record.
  o.protocol = Protocol::kPaper;
  o.threads = f.threads;
  o.data_dir = f.data_dir;
  o.log = nullptr;  // and no out_dir: eval writes nothing
  return o;
}

}  // namespace

int RunEval(const std::vector<std::string>& args) {
  EvalFlags f;
  FlagSet flags("nitro eval", kEvalDescription);
  DeclareEvalFlags(flags, f);
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;
  if (f.best && f.last) return flags.UsageError("--best and --last exclude each other");
  const bool best = !f.last;

  auto ckpt = ReadCheckpoint(absl::StrCat(f.run, "/", kCheckpointFileName));
  if (!ckpt.ok()) return flags.Fail(ckpt.status());
  auto options = EvalOptions(f, *ckpt);
  if (!options.ok()) return flags.Fail(options.status());
  auto trainer = Trainer::Create(*options);
  if (!trainer.ok()) return flags.Fail(trainer.status());
  absl::Status s = (*trainer)->LoadParams(*ckpt, best);
  if (!s.ok()) return flags.Fail(s);
  auto r = (*trainer)->EvaluateTest(/*all=*/true);
  if (!r.ok()) return flags.Fail(r.status());
  std::printf("nitro eval: %s, %s parameters (epoch %lld of %lld) of %s\n", ckpt->model_name().c_str(),
              best ? "best" : "last", static_cast<long long>(best ? ckpt->best_epoch() : ckpt->epochs_done()),
              static_cast<long long>(ckpt->epochs_done()), f.run.c_str());
  std::printf("test accuracy %s%% (%lld/%lld)\n", FormatPercent(r->correct, r->total).c_str(),
              static_cast<long long>(r->correct), static_cast<long long>(r->total));
  return 0;
}

}  // namespace nitro::cli
