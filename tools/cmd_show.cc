// `nitro show MODEL.pbtxt`: loads a model with batch size 1 and prints its per-block summary.
#include <cstdio>
#include <string>
#include <vector>

#include "graph/loader.h"
#include "passes/model_summary.h"
#include "tools/commands.h"

namespace nitro::cli {
namespace {

constexpr char kShowHelp[] =
    "usage: nitro show MODEL.pbtxt\n"
    "\n"
    "Validates MODEL.pbtxt (batch size 1) and prints, per local-loss block, every node with its\n"
    "op, per-sample output shape and dtype, the parameters it consumes and its forward\n"
    "multiply-accumulates per sample. Nodes that the model's `output` does not depend on are\n"
    "marked `head` (training only: local classifiers and losses); the rest are `forward`.\n"
    "Totals: parameters (each counted once), inference MACs, training-only MACs and activation\n"
    "bytes per sample.\n"
    "\n"
    "flags:\n"
    "  -h, --help   print this help\n";

}  // namespace

int RunShow(const std::vector<std::string>& args) {
  std::string path;
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kShowHelp, stdout);
      return 0;
    }
    if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "nitro show: unknown flag '%s'\n\n%s", arg.c_str(), kShowHelp);
      return 1;
    }
    if (!path.empty()) {
      std::fprintf(stderr, "nitro show: expected one model file, got '%s' and '%s'\n", path.c_str(), arg.c_str());
      return 1;
    }
    path = arg;
  }
  if (path.empty()) {
    std::fprintf(stderr, "nitro show: missing MODEL.pbtxt\n\n%s", kShowHelp);
    return 1;
  }
  auto graph = LoadGraph(path, 1);
  if (!graph.ok()) {
    std::fprintf(stderr, "%s\n", std::string(graph.status().message()).c_str());
    return 1;
  }
  auto summary = SummarizeModel(*graph);
  if (!summary.ok()) {
    std::fprintf(stderr, "%s\n", std::string(summary.status().message()).c_str());
    return 1;
  }
  std::fputs(FormatSummary(*summary).c_str(), stdout);
  return 0;
}

}  // namespace nitro::cli
