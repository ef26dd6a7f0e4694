// `nitro derive`: prints the training graph the local-gradient pass derives from a model, as
// .pbtxt (default) or Graphviz DOT.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "graph/dot.h"
#include "graph/loader.h"
#include "graph/model_printer.h"
#include "passes/local_gradient.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {
namespace {

constexpr char kDeriveDescription[] =
    "Prints the training graph that the local-gradient pass derives from MODEL: the forward nodes, then per "
    "block (last to first) its backward nodes and IntegerSGD updates.";

enum class Format { kPbtxt, kDot };

}  // namespace

int RunDerive(const std::vector<std::string>& args) {
  std::string path;
  Format format = Format::kPbtxt;
  LocalGradientOptions options;
  bool inference = false;
  FlagSet flags("nitro derive", kDeriveDescription);
  flags.Positional("MODEL.pbtxt", &path, "the model to derive the training graph of");
  flags.Enum("format", &format,
             {{"pbtxt", Format::kPbtxt, "the derived graph as a nitro .pbtxt model"},
              {"dot", Format::kDot, "Graphviz DOT, one cluster per block; view with `dot -Tsvg`"}},
             "the output format");
  flags.Bool("single-visit", &options.single_visit,
             "train every block once per step (otherwise as many visits as the model's `block { visits: N }`, "
             "e.g. the reference's double FC update)");
  flags.Bool("inference", &inference, "print the inference graph instead (no heads, no losses)");
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;

  std::vector<std::string> warnings;
  auto graph = LoadGraph(path, 0, &warnings);
  if (!graph.ok()) return flags.Fail(graph.status());
  for (const std::string& w : warnings) std::fprintf(stderr, "nitro derive: warning: %s\n", w.c_str());
  auto model = inference ? ExtractInferenceGraph(*graph) : DeriveTrainingGraph(*graph, options);
  if (!model.ok()) return flags.Fail(model.status());
  std::cout << (format == Format::kDot ? ModelToDot(*model) : ModelToText(*model));
  return 0;
}

}  // namespace nitro::cli
