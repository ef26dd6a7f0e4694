// `nitro show MODEL.pbtxt`: loads a model with batch size 1 and prints its per-block summary.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/numbers.h"
#include "graph/loader.h"
#include "graph/model_printer.h"
#include "passes/compile.h"
#include "passes/model_summary.h"
#include "runtime/memory_plan.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {
namespace {

constexpr char kShowDescription[] =
    "Validates MODEL.pbtxt (batch size 1) and prints, per local-loss block, every node with its op, per-sample "
    "output shape and dtype, the parameters it consumes and its forward multiply-accumulates per sample. Nodes "
    "that the model's `output` does not depend on are marked `head` (training only: local classifiers and "
    "losses); the rest are `forward`. Totals: parameters (each counted once), inference MACs, training-only "
    "MACs and activation bytes per sample. Then the memory of training at --batch: the buffers of the derived training "
    "graph (parameters, the updated values, activations and gradients, which take turns in shared buffers where "
    "their lifetimes cannot overlap) and of the inference graph. With --expanded it prints instead the model fully resolved, as explicit "
    ".pbtxt: function calls expanded, weight shapes, Scale divisors and head pooling derived (what a short-form file "
    "means; the output loads to the same graph). Warnings (e.g. a divisor that saturates) go to stderr.";

// The parsed model built at `batch`.
absl::StatusOr<Graph> BuildAt(const ParsedModel& parsed, const std::string& path, int64_t batch) {
  BuildOptions options;
  options.source = path;
  options.batch_size = batch;
  options.node_lines = parsed.node_lines;
  return BuildGraph(parsed.model, options);
}

// The buffers `nitro train` allocates for the model at `batch` (the training and inference plans).
absl::StatusOr<std::string> FormatTrainingMemory(const ParsedModel& parsed, const std::string& path, int64_t batch) {
  auto model = BuildAt(parsed, path, batch);
  if (!model.ok()) return model.status();
  auto compiled = CompileTrainingGraph(*model);
  if (!compiled.ok()) return compiled.status();
  const MemoryPlan train = PlanMemory(*compiled->train, {});
  const MemoryPlan infer = PlanMemory(*compiled->inference, {});
  const int64_t slots = train.total_bytes() - train.own_bytes;  // the shared buffers
  auto row = [](const char* what, int64_t bytes, const std::string& note) {
    return absl::StrFormat("  %-28s %15s bytes%s\n", what, WithThousands(bytes), note);
  };
  std::string out = absl::StrCat("\ntraining memory at batch ", model->batch_size(),
                                 " (the buffers nitro train allocates, runtime/memory_plan.h):\n");
  absl::StrAppend(&out, row("parameters and inputs", train.input_param_bytes,
                            train.in_place_bytes > 0 ? " (parameters updated in place)" : ""));
  absl::StrAppend(&out, row("activations and gradients", slots,
                            absl::StrCat(" in ", train.slot_bytes.size(), " shared buffers (",
                                         WithThousands(train.shared_value_bytes), " if each had its own)")));
  absl::StrAppend(&out, row("outputs and updated values", train.own_bytes - train.input_param_bytes, ""));
  absl::StrAppend(&out, row("training graph in all", train.total_bytes(), ""));
  absl::StrAppend(&out, row("inference graph", infer.total_bytes(), " (evaluation, beside the training graph)"));
  return out;
}

}  // namespace

int RunShow(const std::vector<std::string>& args) {
  std::string path;
  bool expanded = false;
  int64_t batch = 0;
  FlagSet flags("nitro show", kShowDescription);
  flags.Positional("MODEL.pbtxt", &path, "the model to validate and summarise");
  flags.Bool("expanded", &expanded, "print the fully resolved model as explicit .pbtxt instead of the summary");
  flags.Int64("batch", &batch, "batch size of the training-memory figures (default: the model's train.batch_size, or 64)");
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;

  auto parsed = ReadModelFile(path);  // the resolved model as written (no batch size applied)
  if (!parsed.ok()) return flags.Fail(parsed.status());
  auto graph = BuildAt(*parsed, path, 1);
  if (!graph.ok()) return flags.Fail(graph.status());
  for (const std::string& w : parsed->warnings) std::fprintf(stderr, "nitro show: warning: %s\n", w.c_str());
  if (expanded) {
    std::printf("# %s, expanded by `nitro show --expanded`: every call, shape, divisor and pooling written out.\n",
                path.c_str());
    std::fputs(ModelToText(parsed->model).c_str(), stdout);
    return 0;
  }
  auto summary = SummarizeModel(*graph);
  if (!summary.ok()) return flags.Fail(summary.status());
  std::fputs(FormatSummary(*summary).c_str(), stdout);
  if (batch <= 0) batch = graph->model().train().batch_size() > 0 ? graph->model().train().batch_size() : 64;
  // A model that validates but cannot be trained as it is (no blocks, say) still gets its summary.
  auto memory = FormatTrainingMemory(*parsed, path, batch);
  std::fputs(memory.ok() ? memory->c_str()
                         : absl::StrCat("\ntraining memory: none, the training graph cannot be derived: ",
                                        memory.status().message(), "\n")
                               .c_str(),
              stdout);
  return 0;
}

}  // namespace nitro::cli
