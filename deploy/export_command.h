// `nitro export-c` as a library call: the CLI parses flags into an ExportCRequest and prints the
// summary, so the work (and its tests) do not depend on the flag parser.
#ifndef NITRO_DEPLOY_EXPORT_COMMAND_H_
#define NITRO_DEPLOY_EXPORT_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "deploy/c_exporter.h"
#include "deploy/model_source.h"

namespace nitro::deploy {

struct ExportCRequest {
  ParamSource source;
  std::string out_dir;  // created if missing
  std::string name;     // the C name ("": the model's name)
  // Also write N test vectors: <name>.inputs.bin (N samples as the input type, row-major),
  // <name>.logits.bin (nitro's logits for them, the output type, little-endian) and, for a run,
  // <name>.labels.bin (one byte per sample). From a run they are its first N test images,
  // preprocessed as in training; for an untrained model, uniform random int8 inputs. -1: every
  // test image; 0: none.
  int64_t test_vectors = 0;
  std::string data_dir;  // the data set's directory ("": its default)
};

struct ExportCResult {
  CExport exported;
  std::vector<std::string> files;  // every file written
  int64_t vectors = 0;             // test vectors written
  int64_t correct = -1;            // nitro's correct predictions among them (-1: no labels)
  std::string description;         // where the parameters came from
};

absl::StatusOr<ExportCResult> RunExportC(const ExportCRequest& request, const OpRegistry* ops = nullptr);

// The lines `nitro export-c` prints for a result.
std::string ExportCSummary(const ExportCResult& result);

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_EXPORT_COMMAND_H_
