// `nitro train`: trains a model .pbtxt with the NITRO-D protocol and writes a run directory.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/loader.h"
#include "dataset/datasets.h"
#include "train/progress.h"
#include "io/tensor_text.h"
#include "train/trainer.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {

namespace {

constexpr char kHelp[] =
    "usage: nitro train [--model=models/mlp1_mnist.pbtxt] [flags]\n\n"
    "Trains a model with integer-only NITRO-D: local-loss blocks, IntegerSGD, the plateau schedule\n"
    "and early stopping of the paper. After every epoch it writes to --out: checkpoint.pb (resumable),\n"
    "metrics.csv and accuracy.svg.\n\n"
    "flags:\n"
    "  --model=PATH        the experiment (default models/mlp1_mnist.pbtxt)\n"
    "  --epochs=N          maximum epochs (default: the model's train.epochs)\n"
    "  --seed=N            random seed (default: the model's train.seed)\n"
    "  --threads=N         worker threads of the TBB runtime (default: all cores); results are\n"
    "                      bit-identical for every N\n"
    "  --protocol=honest   (default) schedule, early stopping and model selection on a held-out\n"
    "                      part of the training set (--val-size images); the test set (all images)\n"
    "                      is evaluated once, with the selected parameters\n"
    "  --protocol=paper    exactly the reference: everything on the test set (9,984 images),\n"
    "                      reporting the best test epoch\n"
    "  --rng=default|numpy nitro's generator, or NumPy's legacy MT19937 stream draw for draw (with\n"
    "                      --protocol=paper this reproduces the reference's CPU run bit for bit)\n"
    "  --val-size=N        held-out images for the honest protocol (default 5000)\n"
    "  --data-dir=DIR      dataset directory (default data/<dataset>; fill it with\n"
    "                      tools/fetch_data.sh <dataset>)\n"
    "  --out=DIR           run directory (default runs/<model>-<protocol>-seed<seed>)\n"
    "  --resume            continue the run in --out from its last checkpoint, bit-identically\n"
    "  --single-visit      train CNN FC blocks once per step (the reference trains them twice)\n"
    "  --per-sample-augment  one augmentation decision per image instead of per batch\n"
    "  --max-batches=N     train only N batches per epoch (smoke tests)\n"
    "  --init-tensors=FILE start from these parameters instead of the initialiser: the tensor\n"
    "                      text format of `nitro export-tensors` (gzipped or not), one record per\n"
    "                      parameter, matched by name (the random stream still draws the\n"
    "                      initialisation, so the rest of the run is unchanged)\n"
    "  --quiet             no progress output\n";

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"help", "model", "epochs", "seed", "threads", "protocol", "rng", "val_size",
                                 "data_dir", "out", "resume", "single_visit", "per_sample_augment", "max_batches",
                                 "quiet", "init_tensors", "h"});
  if (!flags.ok()) {
    std::fprintf(stderr, "nitro train: %s\n", std::string(flags.status().message()).c_str());
    return 2;
  }
  if (flags->Has("help") || flags->Has("h")) {
    std::printf("%s", kHelp);
    return 0;
  }
  auto fail = [](const absl::Status& s) {
    std::fprintf(stderr, "nitro train: %s\n", std::string(s.message()).c_str());
    return 1;
  };
  TrainOptions o;
  o.model_path = flags->Get("model", "models/mlp1_mnist.pbtxt");
  auto epochs = flags->GetInt("epochs", 0);
  auto seed = flags->GetInt("seed", -1);
  auto threads = flags->GetInt("threads", 0);
  auto val = flags->GetInt("val_size", 5000);
  auto maxb = flags->GetInt("max_batches", 0);
  for (const auto* s : {&epochs, &seed, &threads, &val, &maxb}) {
    if (!s->ok()) return fail(s->status());
  }
  o.epochs = *epochs;
  o.seed = *seed;
  o.threads = static_cast<int>(*threads);
  o.val_size = *val;
  o.max_batches = *maxb;
  const std::string protocol = flags->Get("protocol", "honest");
  if (protocol != "honest" && protocol != "paper") return fail(absl::InvalidArgumentError("--protocol must be honest or paper"));
  o.protocol = protocol == "paper" ? Protocol::kPaper : Protocol::kHonest;
  const std::string rng = flags->Get("rng", "default");
  if (rng != "default" && rng != "numpy") return fail(absl::InvalidArgumentError("--rng must be default or numpy"));
  o.rng = rng == "numpy" ? RngKind::kNumpy : RngKind::kDefault;
  o.data_dir = flags->Get("data_dir");
  o.resume = flags->Has("resume");
  o.single_visit = flags->Has("single_visit");
  o.per_sample_augment = flags->Has("per_sample_augment");
  o.log = flags->Has("quiet") ? nullptr : stdout;
  o.interactive = !flags->Has("quiet") && ProgressReporter::IsTerminal(stdout);
  auto parsed = ReadModelFile(o.model_path);
  if (!parsed.ok()) return fail(parsed.status());
  std::string out = flags->Get("out");
  if (out.empty()) {
    std::string base = o.model_path.substr(o.model_path.find_last_of('/') + 1);
    base = base.substr(0, base.find('.'));
    out = absl::StrCat("runs/", base, "-", protocol, "-seed", o.seed >= 0 ? o.seed : parsed->model.train().seed());
  }
  o.out_dir = out;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return fail(absl::PermissionDeniedError(absl::StrCat("cannot create the run directory ", out, ": ", ec.message())));
  // First use: fetch the dataset the model names into the default directory.
  if (o.data_dir.empty()) {
    const std::string dataset = parsed->model.train().dataset();
    const std::string dir = DefaultDatasetDir(dataset);
    if (!dataset.empty() && !std::filesystem::exists(dir)) {
      const std::string root = dir.substr(0, dir.size() - dataset.size() - 1);
      std::printf("nitro train: %s is not in %s yet; fetching it with tools/fetch_data.sh\n", dataset.c_str(), dir.c_str());
      std::fflush(stdout);
      const std::string cmd = absl::StrCat("tools/fetch_data.sh '", dataset, "' '", root, "'");
      if (std::system(cmd.c_str()) != 0) {
        return fail(absl::UnavailableError(absl::StrCat("fetching ", dataset, " failed; run `", cmd, "` to see why")));
      }
    }
  }
  auto trainer = Trainer::Create(o);
  if (!trainer.ok()) return fail(trainer.status());
  Trainer& t = **trainer;
  if (flags->Has("init_tensors")) {
    if (o.resume) return fail(absl::InvalidArgumentError("--init-tensors and --resume exclude each other"));
    const std::string path = flags->Get("init_tensors");
    auto records = ReadTensorText(path);
    if (!records.ok()) return fail(records.status());
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (auto& r : *records) tensors.emplace_back(r.name, std::move(r.tensor));
    absl::Status s = t.SetInitialParams(tensors, path);
    if (!s.ok()) return fail(s);
  }
  std::printf("nitro train: %s, %s protocol, rng %s, seed %lld, %s -> %s\n", t.state().model_name().c_str(),
              ProtocolName(o.protocol), RngKindName(o.rng), static_cast<long long>(t.state().seed()),
              o.resume ? absl::StrCat("resuming after epoch ", t.state().epochs_done()).c_str() : "from scratch",
              out.c_str());
  absl::Status s = t.Run();
  if (!s.ok()) return fail(s);
  auto final_test = t.FinalTest();
  if (!final_test.ok()) return fail(final_test.status());
  const int64_t c = final_test->correct, n = final_test->total;
  const int64_t bp = n ? (c * 10000 + n / 2) / n : 0;
  std::printf("best epoch %lld; test accuracy %lld.%02lld%% (%lld/%lld)%s\nrun directory: %s\n",
              static_cast<long long>(t.state().best_epoch()), static_cast<long long>(bp / 100),
              static_cast<long long>(bp % 100), static_cast<long long>(c), static_cast<long long>(n),
              o.protocol == Protocol::kPaper ? " [paper protocol: best test epoch]"
                                             : " [honest protocol: selected on validation, test evaluated once]",
              out.c_str());
  return 0;
}

}  // namespace nitro::cli
