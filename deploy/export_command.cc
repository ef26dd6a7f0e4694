#include "deploy/export_command.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/numbers.h"
#include "deploy/nitro_inference.h"
#include "deploy/run_data.h"
#include "graph/status_macros.h"
#include "io/atomic_file.h"
#include "random/default_random.h"

namespace nitro::deploy {
namespace {

struct Vectors {
  Tensor inputs;
  std::vector<uint8_t> labels;  // empty for synthetic inputs
};

// The first n (all for n < 0) test images of the run's data set, preprocessed as in training.
absl::StatusOr<Vectors> RunVectors(const LoadedModel& m, int64_t n, const std::string& data_dir) {
  ASSIGN_OR_RETURN(DatasetSplits raw, LoadModelDataset(*m.graph, data_dir));
  if (n >= 0 && n < raw.test.n) {
    raw.test.images.resize(n * raw.test.c * raw.test.h * raw.test.w);
    raw.test.labels.resize(n);
    raw.test.n = n;
  }
  ASSIGN_OR_RETURN(PreprocessedData prep, PreprocessLikeRun(*m.graph, *m.checkpoint, raw));
  return Vectors{std::move(prep.test_x), std::move(prep.test_labels)};
}

// n uniform random int8-range inputs of the graph's input shape (seeded, so reproducible).
Vectors SyntheticVectors(const Graph& inference, int64_t n, uint64_t seed) {
  Shape shape = inference.value(inference.model().input(0).name()).type.shape;
  shape[0] = n;
  Vectors v{Tensor(inference.model().input(0).dtype(), shape), {}};
  DefaultRandom rng(seed, /*stream=*/7);
  for (int64_t i = 0; i < v.inputs.size(); ++i) v.inputs.Set(i, static_cast<int64_t>(rng.NextU32() & 0xff) - 128);
  return v;
}

absl::Status WriteFile(const std::string& path, absl::string_view bytes, std::vector<std::string>* files) {
  RETURN_IF_ERROR(WriteFileAtomically(path, bytes));
  files->push_back(path);
  return absl::OkStatus();
}

absl::Status WriteVectors(const ExportCRequest& r, const LoadedModel& m, const std::string& stem, const OpRegistry* ops,
                          ExportCResult* result) {
  ASSIGN_OR_RETURN(std::unique_ptr<Graph> inference, BuildInferenceGraph(*m.graph, m.file.parsed.node_lines, ops));
  Vectors v;
  if (m.checkpoint) {
    ASSIGN_OR_RETURN(v, RunVectors(m, r.test_vectors, r.data_dir));
  } else {
    const int64_t seed = r.source.seed >= 0 ? r.source.seed : m.graph->model().train().seed();
    v = SyntheticVectors(*inference, r.test_vectors < 0 ? 10000 : r.test_vectors, static_cast<uint64_t>(seed));
  }
  ASSIGN_OR_RETURN(Tensor logits, NitroInference(*inference, m.params, v.inputs));
  auto bytes = [](const Tensor& t) { return absl::string_view(static_cast<const char*>(t.raw()), t.bytes()); };
  RETURN_IF_ERROR(WriteFile(absl::StrCat(stem, ".inputs.bin"), bytes(v.inputs), &result->files));
  RETURN_IF_ERROR(WriteFile(absl::StrCat(stem, ".logits.bin"), bytes(logits), &result->files));
  result->vectors = v.inputs.dim(0);
  if (!v.labels.empty()) {
    const std::string labels(v.labels.begin(), v.labels.end());
    RETURN_IF_ERROR(WriteFile(absl::StrCat(stem, ".labels.bin"), labels, &result->files));
    const std::vector<int> predicted = Predictions(logits);
    result->correct = 0;
    for (size_t i = 0; i < predicted.size(); ++i) result->correct += predicted[i] == v.labels[i];
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExportCResult> RunExportC(const ExportCRequest& r, const OpRegistry* ops) {
  if (r.out_dir.empty()) return absl::InvalidArgumentError("the output directory (--out=DIR) is required");
  ASSIGN_OR_RETURN(LoadedModel m, LoadModel(r.source, ops));
  ASSIGN_OR_RETURN(std::unique_ptr<Graph> single, BuildModel(m.file, 1, ops));
  ASSIGN_OR_RETURN(std::unique_ptr<Graph> inference, BuildInferenceGraph(*single, m.file.parsed.node_lines, ops));
  CExportOptions o;
  o.name = r.name;
  o.notes = {m.description};
  o.ops = ops;
  ExportCResult result;
  result.description = m.description;
  ASSIGN_OR_RETURN(result.exported, ExportC(*inference, m.params, o));
  std::error_code ec;
  std::filesystem::create_directories(r.out_dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(r.out_dir, ": cannot create the directory: ", ec.message()));
  const std::string stem = absl::StrCat(r.out_dir, "/", result.exported.name);
  RETURN_IF_ERROR(WriteFile(absl::StrCat(stem, ".h"), result.exported.header, &result.files));
  RETURN_IF_ERROR(WriteFile(absl::StrCat(stem, ".c"), result.exported.source, &result.files));
  if (r.test_vectors != 0) RETURN_IF_ERROR(WriteVectors(r, m, stem, ops, &result));
  return result;
}

std::string ExportCSummary(const ExportCResult& r) {
  const CExportStats& s = r.exported.stats;
  std::string out = absl::StrCat("nitro export-c: ", r.exported.name, ", ", r.description, "\n");
  absl::StrAppend(&out, "  parameters ", WithThousands(s.parameters), ", flash ", WithThousands(s.flash_bytes()),
                  " bytes of constant data, scratch RAM ", WithThousands(s.scratch_bytes), " bytes, ",
                  WithThousands(s.macs), " multiply-accumulates per sample\n");
  if (r.vectors > 0) {
    absl::StrAppend(&out, "  ", WithThousands(r.vectors), " test vectors with nitro's logits");
    if (r.correct >= 0) {
      absl::StrAppend(&out, "; nitro's accuracy on them ", FormatPercent(r.correct, r.vectors), "% (", r.correct, "/",
                      r.vectors, ")");
    }
    absl::StrAppend(&out, "\n");
  }
  for (const auto& f : r.files) absl::StrAppend(&out, "  wrote ", f, "\n");
  return out;
}

}  // namespace nitro::deploy
