// `nitro predict`: classifies image files with a run's parameters (deploy/predict.h).
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "deploy/predict.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {

namespace {

constexpr char kPredictDescription[] =
    "Classifies each image with the run's parameters and prints `IMAGE: CLASS  logits [...]`. Images are PGM/PPM "
    "(P2, P3, P5, P6) or PNG files, 8-bit grayscale for MNIST-like models (28x28) or RGB for CIFAR-10 models "
    "(32x32), preprocessed exactly as in training: normalised with the statistics of the run's own shuffled "
    "training set (so the data set must be present). MNIST digits are light on a dark background.";

}  // namespace

int RunPredict(const std::vector<std::string>& args) {
  deploy::PredictRequest r;
  bool last = false;
  FlagSet flags("nitro predict", kPredictDescription);
  flags.RepeatedPositional("IMAGE", &r.images, "PGM, PPM or PNG files of the model's input shape");
  flags.String("run", &r.source.run_dir, "the run directory that `nitro train --out=DIR` wrote").Value("DIR");
  flags.String("checkpoint", &r.source.checkpoint, "a checkpoint file instead")
      .Value("FILE")
      .DefaultText("DIR/checkpoint.pb");
  flags.String("model", &r.source.model, "the model the run trained")
      .Value("PATH")
      .DefaultText("models/<model name>.pbtxt");
  flags.Bool("last", &last, "the parameters after the last trained epoch instead of the best epoch's");
  flags.String("data-dir", &r.data_dir, "the data set's directory").Value("DIR").DefaultText("data/<dataset>");
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;
  if (r.source.run_dir.empty() && r.source.checkpoint.empty()) return flags.UsageError("missing --run=DIR");
  r.source.best = !last;
  auto predictions = deploy::RunPredict(r);
  if (!predictions.ok()) return flags.Fail(predictions.status());
  for (const auto& p : *predictions) std::printf("%s\n", deploy::PredictionLine(p).c_str());
  return 0;
}

}  // namespace nitro::cli
