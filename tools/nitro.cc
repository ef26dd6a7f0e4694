// `nitro`: the command-line entry point; dispatches to the subcommands of tools/commands.h.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/commands.h"

namespace {

const nitro::cli::Command kCommands[] = {
    {"train", "train a model (default: MLP-1 on MNIST) and write a run directory", nitro::cli::RunTrain},
    {"eval", "evaluate a run's best (or last) parameters on the whole test set", nitro::cli::RunEval},
    {"show", "print a model's blocks, shapes, parameter counts and MACs", nitro::cli::RunShow},
    {"derive", "print the training graph derived by the local-gradient pass (.pbtxt or DOT)", nitro::cli::RunDerive},
    {"export-tensors", "print a checkpoint's parameters in the tensor text format", nitro::cli::RunExportTensors},
    {"export-c", "write a run's model as dependency-free integer C99, bit-exact with nitro", nitro::cli::RunExportC},
    {"predict", "classify image files (PGM, PNG) with a run's parameters; print class and logits", nitro::cli::RunPredict},
};

void PrintUsage() {
  std::printf(
      "nitro: integer-only training of deep networks (NITRO-D).\n\n"
      "usage: nitro <command> [flags]\n\ncommands:\n");
  for (const auto& c : kCommands) std::printf("  %-16s %s\n", c.name, c.summary);
  std::printf("\nRun `nitro <command> --help` for the flags of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    PrintUsage();
    return argc < 2 ? 2 : 0;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(std::vector<std::string>(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "nitro: unknown command '%s'\n\n", argv[1]);
  PrintUsage();
  return 2;
}
