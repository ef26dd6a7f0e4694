// `nitro export-tensors CHECKPOINT_OR_RUN_DIR [--best]`: prints a checkpoint's parameters in the tensor text format.
#include <sys/stat.h>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "io/tensor_text.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "train/checkpoint.h"

namespace nitro::cli {
namespace {

constexpr char kExportTensorsDescription[] =
    "Prints every parameter tensor of a training checkpoint to stdout in the tensor text format of the golden "
    "traces (io/tensor_text.h): per tensor a line `<name> <dtype> <dims...>` and a line of its values, in "
    "checkpoint order, names as stored.";

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The stored tensors of `params`, all validated before anything is printed, so that a corrupt
// tensor yields no partial output. `path` names the checkpoint in errors.
absl::StatusOr<std::vector<Tensor>> DecodeAll(const google::protobuf::RepeatedPtrField<proto::TensorData>& params,
                                              const std::string& path) {
  std::vector<Tensor> tensors;
  tensors.reserve(params.size());
  for (const proto::TensorData& p : params) {
    auto t = TensorFromProto(p);
    if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat(path, ": ", t.status().message()));
    tensors.push_back(*std::move(t));
  }
  return tensors;
}

}  // namespace

int RunExportTensors(const std::vector<std::string>& args) {
  std::string path;
  bool best = false;
  FlagSet flags("nitro export-tensors", kExportTensorsDescription);
  flags.Positional("CHECKPOINT_OR_RUN_DIR", &path,
                   absl::StrCat("a checkpoint file, or a run directory: the trainer keeps its checkpoint in "
                                "RUN_DIR/",
                                kCheckpointFileName));
  flags.Bool("best", &best, "export the parameters of the best epoch (honest protocol) instead of the last");
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;

  if (IsDirectory(path)) path = absl::StrCat(path, "/", kCheckpointFileName);
  auto checkpoint = ReadCheckpoint(path);
  if (!checkpoint.ok()) return flags.Fail(checkpoint.status());
  const auto& params = best ? checkpoint->best_param() : checkpoint->param();
  if (best && params.empty()) {
    return flags.Fail(absl::NotFoundError(
        absl::StrCat(path, ": no best parameters stored (best_epoch ", checkpoint->best_epoch(), ")")));
  }
  auto tensors = DecodeAll(params, path);
  if (!tensors.ok()) return flags.Fail(tensors.status());
  for (int i = 0; i < params.size(); ++i) WriteTensorText(std::cout, params[i].name(), (*tensors)[i]);
  std::cout.flush();
  if (!std::cout) return flags.Fail(absl::UnavailableError("error writing to stdout"));
  return 0;
}

}  // namespace nitro::cli
