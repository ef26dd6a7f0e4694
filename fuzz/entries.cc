// The fuzzed entry points (see entries.h).
#include "fuzz/entries.h"

#include "dataset/datasets.h"
#include "google/protobuf/stubs/logging.h"
#include "graph/graph.h"
#include "graph/loader.h"
#include "graph/status_macros.h"
#include "graph/tensor.h"
#include "io/gzip_file.h"
#include "io/tensor_text.h"
#include "passes/compile.h"
#include "train/checkpoint.h"

namespace nitro::fuzz {
namespace {

// The bytes a reader would see: gunzipped when they start with the gzip magic.
absl::Status MaybeGunzip(absl::string_view bytes, std::string* out) {
  if (!IsGzip(bytes)) {
    out->assign(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(*out, Gunzip(bytes, "fuzz input"));
  return absl::OkStatus();
}

}  // namespace

absl::Status FuzzModel(absl::string_view bytes) {
  ASSIGN_OR_RETURN(ParsedModel parsed, ParseModelText(bytes, "fuzz.pbtxt"));
  BuildOptions bo;
  bo.source = "fuzz.pbtxt";
  bo.batch_size = 2;
  bo.node_lines = parsed.node_lines;
  ASSIGN_OR_RETURN(Graph graph, BuildGraph(parsed.model, bo));
  // One compilation per input (the pass dominates the time): the parity of the input's byte sum
  // picks single-visit or not, so mutations explore both, and an input always takes the same one.
  unsigned sum = 0;
  for (unsigned char c : bytes) sum += c;
  CompileOptions co;
  co.local_gradient.single_visit = (sum & 1) != 0;
  return CompileTrainingGraph(graph, co).status();
}

absl::Status FuzzCheckpoint(absl::string_view bytes) {
  ASSIGN_OR_RETURN(proto::Checkpoint c, DecodeCheckpoint(bytes, "fuzz.pb"));
  for (const auto& p : c.param()) RETURN_IF_ERROR(TensorFromProto(p).status());
  for (const auto& p : c.best_param()) RETURN_IF_ERROR(TensorFromProto(p).status());
  return absl::OkStatus();
}

absl::Status FuzzTensorText(absl::string_view bytes) {
  std::string text;
  RETURN_IF_ERROR(MaybeGunzip(bytes, &text));
  return ParseTensorText(text, "fuzz.txt").status();
}

absl::Status FuzzIdx(absl::string_view bytes) {
  std::string raw;
  RETURN_IF_ERROR(MaybeGunzip(bytes, &raw));
  absl::Status images = ParseIdxImages(raw, "fuzz-idx3-ubyte").status();
  absl::Status labels = ParseIdxLabels(raw, "fuzz-idx1-ubyte").status();
  return images.ok() ? labels : images;
}

absl::Status FuzzCifar10(absl::string_view bytes) {
  std::string raw;
  RETURN_IF_ERROR(MaybeGunzip(bytes, &raw));
  Dataset out;
  RETURN_IF_ERROR(AppendCifar10Batch(raw, "fuzz_batch.bin", out));
  // A second batch appends to the first.
  return AppendCifar10Batch(raw, "fuzz_batch.bin", out);
}

void SilenceLibraryLogs() { google::protobuf::SetLogHandler(nullptr); }

const std::vector<FuzzTarget>& FuzzTargets() {
  static const auto* targets = new std::vector<FuzzTarget>{
      {"model", FuzzModel}, {"checkpoint", FuzzCheckpoint}, {"tensor_text", FuzzTensorText},
      {"idx", FuzzIdx},     {"cifar10", FuzzCifar10},
  };
  return *targets;
}

}  // namespace nitro::fuzz
