#include "graph/dot.h"

#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace nitro {

namespace {
std::string Quote(const std::string& s) { return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\\\""}}), "\""); }
}  // namespace

std::string ModelToDot(const proto::Model& model) {
  std::string out = absl::StrCat("digraph ", Quote(model.name().empty() ? "model" : model.name()), " {\n",
                                 "  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
  std::map<std::string, std::string> producer;  // value -> node id
  for (const auto& in : model.input()) {
    absl::StrAppend(&out, "  ", Quote("v:" + in.name()), " [shape=ellipse, label=", Quote(in.name()), "];\n");
    producer[in.name()] = "v:" + in.name();
  }
  for (const auto& p : model.param()) {
    absl::StrAppend(&out, "  ", Quote("v:" + p.name()),
                    " [shape=ellipse, style=filled, fillcolor=\"#fff3c4\", label=", Quote(p.name()), "];\n");
    producer[p.name()] = "v:" + p.name();
  }
  std::map<std::string, std::vector<const proto::Node*>> by_block;
  for (const auto& n : model.node()) by_block[n.block()].push_back(&n);
  for (const auto& [block, nodes] : by_block) {
    if (!block.empty()) {
      absl::StrAppend(&out, "  subgraph ", Quote("cluster_" + block), " {\n    label=", Quote("block " + block),
                      ";\n    style=rounded;\n");
    }
    for (const proto::Node* n : nodes) {
      const bool update = n->op() == "IntegerSGD";
      const bool backward = absl::StrContains(n->op(), "Grad") || n->op() == "Add" || n->op() == "Reshape";
      const char* color = update ? "#f4c7c3" : backward ? "#cfe2f3" : "#ffffff";
      absl::StrAppend(&out, block.empty() ? "  " : "    ", Quote("n:" + n->name()),
                      " [shape=box, style=filled, fillcolor=\"", color,
                      "\", label=", Quote(n->op() + "\\n" + n->name()), "];\n");
      for (const auto& o : n->out()) producer[o] = "n:" + n->name();
    }
    if (!block.empty()) out += "  }\n";
  }
  for (const auto& n : model.node()) {
    for (const auto& in : n.in()) {
      auto it = producer.find(in);
      if (it == producer.end()) continue;
      absl::StrAppend(&out, "  ", Quote(it->second), " -> ", Quote("n:" + n.name()), " [label=", Quote(in),
                      ", fontsize=8];\n");
    }
  }
  out += "}\n";
  return out;
}

}  // namespace nitro
