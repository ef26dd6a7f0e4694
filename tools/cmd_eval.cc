// `nitro eval`: evaluates a run's best (or last) parameters on the whole test set.
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "train/checkpoint.h"
#include "base/numbers.h"
#include "train/trainer.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {

namespace {

constexpr char kHelp[] =
    "usage: nitro eval --run=DIR [--model=PATH] [--best|--last] [--data-dir=DIR] [--threads=N]\n\n"
    "Evaluates the parameters of a training run on the whole test set (every image, including the\n"
    "last partial batch) and prints `test accuracy 97.41% (9741/10000)`. The parameters come from\n"
    "DIR/checkpoint.pb; the test set is preprocessed exactly as in training, with the normalisation\n"
    "statistics of the run's own shuffled training set (its seed and --rng, read from the checkpoint).\n\n"
    "flags:\n"
    "  --run=DIR           the run directory that `nitro train --out=DIR` wrote (required)\n"
    "  --model=PATH        the model the run trained (default models/<model name>.pbtxt, the name\n"
    "                      stored in the checkpoint); it must be the very same text the run used\n"
    "  --best              (default) the parameters of the best epoch (the one `nitro train` reports)\n"
    "  --last              the parameters after the last trained epoch\n"
    "  --data-dir=DIR      dataset directory (default data/<dataset>)\n"
    "  --threads=N         worker threads of the TBB runtime (default: all cores)\n";

}  // namespace

int RunEval(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"help", "h", "run", "model", "best", "last", "data_dir", "threads"});
  if (!flags.ok()) {
    std::fprintf(stderr, "nitro eval: %s\n", std::string(flags.status().message()).c_str());
    return 2;
  }
  if (flags->Has("help") || flags->Has("h")) {
    std::printf("%s", kHelp);
    return 0;
  }
  auto usage = [](const char* what) {
    std::fprintf(stderr, "nitro eval: %s (see --help)\n", what);
    return 2;
  };
  auto fail = [](const absl::Status& s) {
    std::fprintf(stderr, "nitro eval: %s\n", std::string(s.message()).c_str());
    return 1;
  };
  if (!flags->positional.empty()) return usage("unexpected argument; the run directory goes in --run=DIR");
  const std::string run = flags->Get("run");
  if (run.empty() || run == "true") return usage("--run=DIR is required");
  if (flags->Has("best") && flags->Has("last")) return usage("--best and --last exclude each other");
  const bool best = !flags->Has("last");
  auto threads = flags->GetInt("threads", 0);
  if (!threads.ok()) return fail(threads.status());

  auto ckpt = ReadCheckpoint(absl::StrCat(run, "/", kCheckpointFileName));
  if (!ckpt.ok()) return fail(ckpt.status());
  TrainOptions o;
  o.model_path = flags->Get("model", absl::StrCat("models/", ckpt->model_name(), ".pbtxt"));
  if (!flags->Has("model") && !std::filesystem::exists(o.model_path)) {
    return fail(absl::NotFoundError(absl::StrCat("the run trained '", ckpt->model_name(), "' but ", o.model_path,
                                                 " does not exist; pass the model with --model=PATH")));
  }
  if (ckpt->rng_kind() != "default" && ckpt->rng_kind() != "numpy") {
    return fail(absl::DataLossError(absl::StrCat(run, "/", kCheckpointFileName, ": unknown rng kind '",
                                                 ckpt->rng_kind(), "'")));
  }
  o.rng = ckpt->rng_kind() == "numpy" ? RngKind::kNumpy : RngKind::kDefault;
  o.seed = ckpt->seed();
  // The test set is preprocessed the same way under either protocol; the paper protocol needs no
  // held-out split, whose size the checkpoint does not record.
  o.protocol = Protocol::kPaper;
  o.threads = static_cast<int>(*threads);
  o.data_dir = flags->Get("data_dir");
  o.log = nullptr;  // and no out_dir: eval writes nothing

  auto trainer = Trainer::Create(o);
  if (!trainer.ok()) return fail(trainer.status());
  absl::Status s = (*trainer)->LoadParams(*ckpt, best);
  if (!s.ok()) return fail(s);
  auto r = (*trainer)->EvaluateTest(/*all=*/true);
  if (!r.ok()) return fail(r.status());
  std::printf("nitro eval: %s, %s parameters (epoch %lld of %lld) of %s\n", ckpt->model_name().c_str(),
              best ? "best" : "last", static_cast<long long>(best ? ckpt->best_epoch() : ckpt->epochs_done()),
              static_cast<long long>(ckpt->epochs_done()), run.c_str());
  std::printf("test accuracy %s%% (%lld/%lld)\n", FormatPercent(r->correct, r->total).c_str(),
              static_cast<long long>(r->correct), static_cast<long long>(r->total));
  return 0;
}

}  // namespace nitro::cli
