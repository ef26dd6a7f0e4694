// `nitro show MODEL.pbtxt`: loads a model with batch size 1 and prints its per-block summary.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "graph/loader.h"
#include "graph/model_printer.h"
#include "passes/model_summary.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {
namespace {

constexpr char kShowDescription[] =
    "Validates MODEL.pbtxt (batch size 1) and prints, per local-loss block, every node with its op, per-sample "
    "output shape and dtype, the parameters it consumes and its forward multiply-accumulates per sample. Nodes "
    "that the model's `output` does not depend on are marked `head` (training only: local classifiers and "
    "losses); the rest are `forward`. Totals: parameters (each counted once), inference MACs, training-only "
    "MACs and activation bytes per sample. With --expanded it prints instead the model fully resolved, as explicit "
    ".pbtxt: function calls expanded, weight shapes, Scale divisors and head pooling derived (what a short-form file "
    "means; the output loads to the same graph). Warnings (e.g. a divisor that saturates) go to stderr.";

}  // namespace

int RunShow(const std::vector<std::string>& args) {
  std::string path;
  bool expanded = false;
  FlagSet flags("nitro show", kShowDescription);
  flags.Positional("MODEL.pbtxt", &path, "the model to validate and summarise");
  flags.Bool("expanded", &expanded, "print the fully resolved model as explicit .pbtxt instead of the summary");
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;

  std::vector<std::string> warnings;
  auto graph = LoadGraph(path, 1, &warnings);
  if (!graph.ok()) return flags.Fail(graph.status());
  for (const std::string& w : warnings) std::fprintf(stderr, "nitro show: warning: %s\n", w.c_str());
  if (expanded) {
    std::printf("# %s, expanded by `nitro show --expanded`: every call, shape, divisor and pooling written out.\n",
                path.c_str());
    auto parsed = ReadModelFile(path);  // the resolved model as written (no batch size applied)
    if (!parsed.ok()) return flags.Fail(parsed.status());
    std::fputs(ModelToText(parsed->model).c_str(), stdout);
    return 0;
  }
  auto summary = SummarizeModel(*graph);
  if (!summary.ok()) return flags.Fail(summary.status());
  std::fputs(FormatSummary(*summary).c_str(), stdout);
  return 0;
}

}  // namespace nitro::cli
