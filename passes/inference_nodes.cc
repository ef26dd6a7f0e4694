#include "passes/inference_nodes.h"

#include <string>

namespace nitro {

std::vector<bool> InferenceNodes(const Graph& graph) {
  std::vector<bool> needed(graph.nodes().size(), false);
  // Nodes marked needed whose inputs are not visited yet; each node is pushed at most once.
  std::vector<int> stack;
  auto visit = [&](const std::string& value) {
    const ValueInfo* info = graph.FindValue(value);
    if (info == nullptr || info->kind != ValueKind::kNodeOutput || needed[info->producer]) return;
    needed[info->producer] = true;
    stack.push_back(info->producer);
  };
  for (const auto& out : graph.model().output()) visit(out);
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    for (const auto& in : graph.nodes()[i].in()) visit(in);
  }
  return needed;
}

}  // namespace nitro
