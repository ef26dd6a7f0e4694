// `nitro`: the command table and the dispatch to the subcommands of tools/commands.h.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {
namespace {

const Command kCommands[] = {
    {"train", "train a model (default: MLP-1 on MNIST) and write a run directory", RunTrain},
    {"eval", "evaluate a run's best (or last) parameters on the whole test set", RunEval},
    {"show", "print a model's blocks, shapes, parameter counts and MACs", RunShow},
    {"derive", "print the training graph derived by the local-gradient pass (.pbtxt or DOT)", RunDerive},
    {"export-tensors", "print a checkpoint's parameters in the tensor text format", RunExportTensors},
    {"export-c", "write a run's model as dependency-free integer C99, bit-exact with nitro", RunExportC},
    {"predict", "classify image files (PGM, PNG) with a run's parameters; print class and logits", RunPredict},
};

std::string Usage() {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& c : kCommands) rows.emplace_back(c.name, c.summary);
  return absl::StrCat(
      "nitro: integer-only training of deep networks (NITRO-D).\n\n"
      "usage: nitro <command> [flags]\n\ncommands:\n",
      FormatHelpRows(rows), "\nRun `nitro <command> --help` for the flags of a command.\n");
}

int UsageError(const std::string& problem) {
  std::fprintf(stderr, "nitro: %s; see 'nitro --help'\n", problem.c_str());
  return 2;
}

}  // namespace

int RunNitro(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fputs(Usage().c_str(), stderr);
    return 2;
  }
  const std::string& name = args[0];
  if (name == "--help" || name == "-h" || name == "help") {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (name == c.name) return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!name.empty() && name[0] == '-') return UsageError(absl::StrCat("unknown flag '", name, "' before the command"));
  return UsageError(absl::StrCat("unknown command '", name, "'"));
}

}  // namespace nitro::cli
