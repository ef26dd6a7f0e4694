// `nitro predict`: classifies image files with a run's parameters (deploy/predict.h).
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "deploy/predict.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {

namespace {

constexpr char kHelp[] =
    "usage: nitro predict --run=DIR [--model=PATH] [--best|--last] [--data-dir=DIR] IMAGE...\n\n"
    "Classifies each image with the run's parameters and prints `IMAGE: CLASS  logits [...]`. Images are\n"
    "PGM/PPM (P2, P3, P5, P6) or PNG files, 8-bit grayscale for MNIST-like models (28x28) or RGB for\n"
    "CIFAR-10 models (32x32), preprocessed exactly as in training: normalised with the statistics of the\n"
    "run's own shuffled training set (so the data set must be present). MNIST digits are light on a dark\n"
    "background.\n\n"
    "flags:\n"
    "  --run=DIR           the run directory that `nitro train --out=DIR` wrote (required)\n"
    "  --checkpoint=FILE   a checkpoint file instead (default DIR/checkpoint.pb)\n"
    "  --model=PATH        the model the run trained (default models/<model name>.pbtxt)\n"
    "  --best              (default) the parameters of the best epoch\n"
    "  --last              the parameters after the last trained epoch\n"
    "  --data-dir=DIR      the data set's directory (default data/<dataset>)\n";

}  // namespace

int RunPredict(const std::vector<std::string>& args) {
  // Flag parsing (tools/flags.h); everything else is deploy::RunPredict.
  auto usage = [](absl::string_view what) {
    std::fprintf(stderr, "nitro predict: %s (see --help)\n", std::string(what).c_str());
    return 2;
  };
  auto flags = ParseFlags(args, {"help", "h", "run", "checkpoint", "model", "best", "last", "data_dir"});
  if (!flags.ok()) return usage(flags.status().message());
  if (flags->Has("help") || flags->Has("h")) return std::printf("%s", kHelp), 0;
  if (flags->Has("best") && flags->Has("last")) return usage("--best and --last exclude each other");
  if (!flags->Has("run") && !flags->Has("checkpoint")) return usage("--run=DIR is required");
  if (flags->positional.empty()) return usage("give one or more image files");
  deploy::PredictRequest r;
  r.source = {flags->Get("run"), flags->Get("checkpoint"), flags->Get("model"), !flags->Has("last"), -1};
  r.data_dir = flags->Get("data_dir");
  r.images = flags->positional;

  auto predictions = deploy::RunPredict(r);
  if (!predictions.ok()) {
    std::fprintf(stderr, "nitro predict: %s\n", std::string(predictions.status().message()).c_str());
    return 1;
  }
  for (const auto& p : *predictions) std::printf("%s\n", deploy::PredictionLine(p).c_str());
  return 0;
}

}  // namespace nitro::cli
