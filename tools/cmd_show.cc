// `nitro show MODEL.pbtxt`: loads a model with batch size 1 and prints its per-block summary.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "graph/loader.h"
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
    "MACs and activation bytes per sample.";

}  // namespace

int RunShow(const std::vector<std::string>& args) {
  std::string path;
  FlagSet flags("nitro show", kShowDescription);
  flags.Positional("MODEL.pbtxt", &path, "the model to validate and summarise");
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;

  auto graph = LoadGraph(path, 1);
  if (!graph.ok()) return flags.Fail(graph.status());
  auto summary = SummarizeModel(*graph);
  if (!summary.ok()) return flags.Fail(summary.status());
  std::fputs(FormatSummary(*summary).c_str(), stdout);
  return 0;
}

}  // namespace nitro::cli
