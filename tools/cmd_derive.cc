// `nitro derive`: prints the training graph the local-gradient pass derives from a model, as
// .pbtxt (default) or Graphviz DOT.
#include <cstdio>
#include <iostream>
#include <string>

#include "graph/dot.h"
#include "graph/loader.h"
#include "graph/model_printer.h"
#include "passes/local_gradient.h"
#include "tools/commands.h"

namespace nitro::cli {

namespace {
constexpr char kHelp[] =
    "usage: nitro derive MODEL.pbtxt [--format=pbtxt|dot] [--single-visit] [--inference]\n\n"
    "Prints the training graph that the local-gradient pass derives from MODEL: the forward nodes,\n"
    "then per block (last to first) its backward nodes and IntegerSGD updates.\n\n"
    "  --format=pbtxt   the derived graph as a nitro .pbtxt model (default)\n"
    "  --format=dot     Graphviz DOT, one cluster per block; view with `dot -Tsvg`\n"
    "  --single-visit   train every block once per step (default: as many visits as the model's\n"
    "                   `block { visits: N }`, e.g. the reference's double FC update)\n"
    "  --inference      print the inference graph instead (no heads, no losses)\n";
}  // namespace

int RunDerive(const std::vector<std::string>& args) {
  std::string path, format = "pbtxt";
  LocalGradientOptions options;
  bool inference = false;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf("%s", kHelp);
      return 0;
    } else if (a.rfind("--format=", 0) == 0) {
      format = a.substr(9);
    } else if (a == "--single-visit") {
      options.single_visit = true;
    } else if (a == "--inference") {
      inference = true;
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      std::fprintf(stderr, "nitro derive: unexpected argument '%s'\n\n%s", a.c_str(), kHelp);
      return 2;
    }
  }
  if (path.empty() || (format != "pbtxt" && format != "dot")) {
    std::fprintf(stderr, "%s", kHelp);
    return 2;
  }
  auto graph = LoadGraph(path);
  if (!graph.ok()) {
    std::fprintf(stderr, "nitro derive: %s\n", std::string(graph.status().message()).c_str());
    return 1;
  }
  auto model = inference ? ExtractInferenceGraph(*graph) : DeriveTrainingGraph(*graph, options);
  if (!model.ok()) {
    std::fprintf(stderr, "nitro derive: %s\n", std::string(model.status().message()).c_str());
    return 1;
  }
  if (format == "dot") {
    std::cout << ModelToDot(*model);
  } else {
    std::cout << ModelToText(*model);
  }
  return 0;
}

}  // namespace nitro::cli
