// `nitro export-tensors CHECKPOINT_OR_RUN_DIR [--best]`: prints a checkpoint's parameters in the tensor text format.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "train/checkpoint.h"
#include "io/tensor_text.h"
#include "tools/commands.h"

namespace nitro::cli {
namespace {

constexpr char kExportTensorsHelp[] =
    "usage: nitro export-tensors CHECKPOINT_OR_RUN_DIR [--best]\n"
    "\n"
    "Prints every parameter tensor of a training checkpoint to stdout in the tensor text format\n"
    "of the golden traces (io/tensor_text.h): per tensor a line `<name> <dtype> <dims...>`\n"
    "and a line of its values, in checkpoint order, names as stored.\n"
    "\n"
    "CHECKPOINT_OR_RUN_DIR is a checkpoint file, or a run directory: the trainer keeps its\n"
    "checkpoint in RUN_DIR/checkpoint.pb.\n"
    "\n"
    "flags:\n"
    "  --best       export the parameters of the best epoch (honest protocol) instead of the last\n"
    "  -h, --help   print this help\n";

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

int RunExportTensors(const std::vector<std::string>& args) {
  std::string path;
  bool best = false;
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kExportTensorsHelp, stdout);
      return 0;
    }
    if (arg == "--best") {
      best = true;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "nitro export-tensors: unknown flag '%s'\n\n%s", arg.c_str(), kExportTensorsHelp);
      return 1;
    }
    if (!path.empty()) {
      std::fprintf(stderr, "nitro export-tensors: expected one checkpoint, got '%s' and '%s'\n", path.c_str(),
                   arg.c_str());
      return 1;
    }
    path = arg;
  }
  if (path.empty()) {
    std::fprintf(stderr, "nitro export-tensors: missing CHECKPOINT_OR_RUN_DIR\n\n%s", kExportTensorsHelp);
    return 1;
  }
  if (IsDirectory(path)) path = path + "/" + kCheckpointFileName;
  auto checkpoint = ReadCheckpoint(path);
  if (!checkpoint.ok()) {
    std::fprintf(stderr, "nitro export-tensors: %s\n", std::string(checkpoint.status().message()).c_str());
    return 1;
  }
  const auto& params = best ? checkpoint->best_param() : checkpoint->param();
  if (best && params.empty()) {
    std::fprintf(stderr, "nitro export-tensors: %s: no best parameters stored (best_epoch %lld)\n", path.c_str(),
                 static_cast<long long>(checkpoint->best_epoch()));
    return 1;
  }
  // Validate everything before printing anything, so that a corrupt tensor yields no partial output.
  std::vector<Tensor> tensors;
  tensors.reserve(params.size());
  for (const proto::TensorData& p : params) {
    auto t = TensorFromProto(p);
    if (!t.ok()) {
      std::fprintf(stderr, "nitro export-tensors: %s: %s\n", path.c_str(), std::string(t.status().message()).c_str());
      return 1;
    }
    tensors.push_back(*std::move(t));
  }
  for (int i = 0; i < params.size(); ++i) WriteTensorText(std::cout, params[i].name(), tensors[i]);
  std::cout.flush();
  if (!std::cout) {
    std::fprintf(stderr, "nitro export-tensors: error writing to stdout\n");
    return 1;
  }
  return 0;
}

}  // namespace nitro::cli
