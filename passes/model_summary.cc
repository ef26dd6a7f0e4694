// Computes and formats the per-block summary of a graph: shapes, parameters, MACs, activation bytes.
#include "passes/model_summary.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/numbers.h"
#include "graph/dtype.h"
#include "graph/shape.h"

namespace nitro {
namespace {

// The per-sample type of a value: the batch dimension (the first) dropped, rank 0 kept.
ValueType PerSample(const ValueType& type) {
  ValueType out = type;
  if (!out.shape.empty()) out.shape.erase(out.shape.begin());
  return out;
}

// Indices (into graph.nodes()) of every node the model's outputs depend on.
std::vector<bool> InferenceNodes(const Graph& graph) {
  std::vector<bool> needed(graph.nodes().size(), false);
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

std::string OutputShapes(const NodeSummary& node) {
  std::vector<std::string> shapes;
  for (const auto& t : node.outputs) shapes.push_back(ShapeString(t.shape));
  return absl::StrJoin(shapes, ", ");
}

// One dtype name if all outputs agree, else each output's.
std::string OutputDTypes(const NodeSummary& node) {
  std::vector<std::string> names;
  for (const auto& t : node.outputs) names.push_back(DTypeName(t.dtype));
  if (std::all_of(names.begin(), names.end(), [&](const std::string& n) { return n == names.front(); })) {
    names.resize(std::min<size_t>(names.size(), 1));
  }
  return absl::StrJoin(names, ", ");
}

std::string Pad(const std::string& s, size_t width, bool right) {
  if (s.size() >= width) return s;
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

// Display width of UTF-8 text (counts code points, not bytes).
size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

absl::StatusOr<ModelSummary> SummarizeModel(const Graph& graph) {
  const int64_t batch = graph.batch_size();
  if (batch < 1) return absl::InvalidArgumentError(absl::StrCat(graph.source(), ": batch size ", batch, " < 1"));
  ModelSummary summary;
  summary.name = graph.model().name();
  summary.doc = graph.model().doc();

  absl::flat_hash_map<std::string, int64_t> visits;
  for (const auto& b : graph.model().block()) visits[b.name()] = b.visits() > 0 ? b.visits() : 1;
  for (const auto& p : graph.model().param()) {
    summary.total_params += NumElements(Shape(p.shape().begin(), p.shape().end()));
  }

  const std::vector<bool> inference = InferenceNodes(graph);
  absl::flat_hash_map<std::string, int> group_of_block;  // named block -> index in summary.blocks
  bool previous_between = false;                          // the last node had no block
  for (int i = 0; i < static_cast<int>(graph.nodes().size()); ++i) {
    const proto::Node& node = graph.nodes()[i];
    const OpDef& def = graph.op(i);
    NodeSummary ns;
    ns.name = node.name();
    ns.op = node.op();
    ns.training_only = !inference[i];
    std::vector<ValueType> in_types;
    for (const auto& in : node.in()) {
      const ValueInfo& info = graph.value(in);
      in_types.push_back(info.type);
      if (info.kind == ValueKind::kParam) ns.params += NumElements(info.type.shape);
    }
    std::vector<ValueType> out_types;
    for (const auto& out : node.out()) {
      const ValueType& t = graph.value(out).type;
      out_types.push_back(t);
      ns.outputs.push_back(PerSample(t));
      summary.activation_bytes += NumElements(ns.outputs.back().shape) * DTypeSize(t.dtype);
    }
    if (def.macs()) ns.macs = def.macs()(in_types, out_types) / batch;

    // Find or open the node's group.
    int g;
    if (node.block().empty()) {
      if (!previous_between) {
        summary.blocks.push_back({kBetweenBlocks, 1, {}, 0, 0, 0});
      }
      g = static_cast<int>(summary.blocks.size()) - 1;
      previous_between = true;
    } else {
      auto it = group_of_block.find(node.block());
      if (it == group_of_block.end()) {
        auto v = visits.find(node.block());
        summary.blocks.push_back({node.block(), v == visits.end() ? 1 : v->second, {}, 0, 0, 0});
        it = group_of_block.emplace(node.block(), static_cast<int>(summary.blocks.size()) - 1).first;
      }
      g = it->second;
      previous_between = false;
    }
    BlockSummary& block = summary.blocks[g];
    block.params += ns.params;
    (ns.training_only ? block.head_macs : block.forward_macs) += ns.macs;
    (ns.training_only ? summary.training_only_macs : summary.inference_macs) += ns.macs;
    block.nodes.push_back(std::move(ns));
  }
  return summary;
}

std::string FormatSummary(const ModelSummary& summary) {
  const std::vector<std::string> header = {"node", "op", "output", "dtype", "params", "MACs", "role"};
  const std::vector<bool> right = {false, false, false, false, true, true, false};
  std::vector<std::vector<std::string>> rows;
  for (const auto& block : summary.blocks) {
    for (const auto& n : block.nodes) {
      rows.push_back({n.name, n.op, OutputShapes(n), OutputDTypes(n), n.params ? WithThousands(n.params) : "-",
                      n.macs ? WithThousands(n.macs) : "-", n.training_only ? "head" : "forward"});
    }
  }
  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) width[c] = DisplayWidth(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], DisplayWidth(row[c]));
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < row.size(); ++c) {
      const bool last = c + 1 == row.size();
      cells.push_back(last && !right[c] ? row[c] : Pad(row[c], width[c] + row[c].size() - DisplayWidth(row[c]), right[c]));
    }
    return absl::StrCat("  ", absl::StrJoin(cells, "  "), "\n");
  };

  std::string out = absl::StrCat("model ", summary.name.empty() ? "(unnamed)" : summary.name, "\n");
  if (!summary.doc.empty()) absl::StrAppend(&out, summary.doc, "\n");
  absl::StrAppend(&out, "Per sample (batch dimension dropped). role: forward = inference path, "
                        "head = training only (local classifiers and losses).\n\n");
  absl::StrAppend(&out, line(header));
  size_t r = 0;
  for (const auto& block : summary.blocks) {
    const bool between = block.name == kBetweenBlocks;
    std::string title = between ? block.name : absl::StrCat("block ", block.name);
    if (block.visits > 1) absl::StrAppend(&title, " (visited ", block.visits, "x per step)");
    if (!between || block.params != 0 || block.forward_macs != 0 || block.head_macs != 0) {
      absl::StrAppend(&title, ": ", WithThousands(block.params), " params, ", WithThousands(block.forward_macs),
                      " forward MACs, ", WithThousands(block.head_macs), " head MACs");
    }
    absl::StrAppend(&out, "\n", title, "\n");
    for (size_t k = 0; k < block.nodes.size(); ++k) absl::StrAppend(&out, line(rows[r++]));
  }

  const std::vector<std::pair<std::string, int64_t>> totals = {
      {"parameters", summary.total_params},
      {"inference MACs / sample", summary.inference_macs},
      {"training-only (head) MACs / sample", summary.training_only_macs},
      {"activation bytes / sample", summary.activation_bytes},
  };
  size_t label_width = 0;
  size_t value_width = 0;
  for (const auto& [label, value] : totals) {
    label_width = std::max(label_width, label.size());
    value_width = std::max(value_width, WithThousands(value).size());
  }
  absl::StrAppend(&out, "\nTotals\n");
  for (const auto& [label, value] : totals) {
    absl::StrAppend(&out, "  ", Pad(label + ":", label_width + 1, false), "  ",
                    Pad(WithThousands(value), value_width, true), "\n");
  }
  return out;
}

}  // namespace nitro
