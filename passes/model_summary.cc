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
#include "passes/inference_nodes.h"

namespace nitro {
namespace {

// The per-sample type of a value: the batch dimension (the first) dropped, rank 0 kept.
ValueType PerSample(const ValueType& type) {
  ValueType out = type;
  if (!out.shape.empty()) out.shape.erase(out.shape.begin());
  return out;
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

// Node i's summary (per sample: counts divided by `batch`) and the activation bytes its outputs add.
NodeSummary SummarizeNode(const Graph& graph, int i, bool training_only, int64_t batch, int64_t* activation_bytes) {
  const proto::Node& node = graph.nodes()[i];
  NodeSummary ns;
  ns.name = node.name();
  ns.op = node.op();
  ns.training_only = training_only;
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
    *activation_bytes += NumElements(ns.outputs.back().shape) * DTypeSize(t.dtype);
  }
  const OpDef& def = graph.op(i);
  if (def.macs()) ns.macs = def.macs()(in_types, out_types) / batch;
  return ns;
}

// Assigns nodes, in graph order, to the groups of a ModelSummary: a named block's group opens where
// the block's first node appears and collects all its nodes; each contiguous run of nodes without
// a block opens one kBetweenBlocks group.
class Grouper {
 public:
  explicit Grouper(const proto::Model& model) {
    for (const auto& b : model.block()) visits_[b.name()] = b.visits() > 0 ? b.visits() : 1;
  }

  // The group (index into blocks, which it may extend) of the next node, whose block is `block`.
  BlockSummary& GroupOf(const std::string& block, std::vector<BlockSummary>* blocks) {
    if (block.empty()) {
      if (!previous_between_) blocks->push_back({kBetweenBlocks, 1, {}, 0, 0, 0});
      previous_between_ = true;
      return blocks->back();
    }
    previous_between_ = false;
    auto it = group_of_block_.find(block);
    if (it == group_of_block_.end()) {
      auto v = visits_.find(block);
      blocks->push_back({block, v == visits_.end() ? 1 : v->second, {}, 0, 0, 0});
      it = group_of_block_.emplace(block, static_cast<int>(blocks->size()) - 1).first;
    }
    return (*blocks)[it->second];
  }

 private:
  absl::flat_hash_map<std::string, int64_t> visits_;      // Block.visits, 1 when unset
  absl::flat_hash_map<std::string, int> group_of_block_;  // named block -> index in blocks
  bool previous_between_ = false;                         // the last node had no block
};

// "block b1 (visited 2x per step): 5,050 params, ..."; a group between blocks that holds no
// parameter and no MAC gets its name only.
std::string BlockTitle(const BlockSummary& block) {
  const bool between = block.name == kBetweenBlocks;
  std::string title = between ? block.name : absl::StrCat("block ", block.name);
  if (block.visits > 1) absl::StrAppend(&title, " (visited ", block.visits, "x per step)");
  if (!between || block.params != 0 || block.forward_macs != 0 || block.head_macs != 0) {
    absl::StrAppend(&title, ": ", WithThousands(block.params), " params, ", WithThousands(block.forward_macs),
                    " forward MACs, ", WithThousands(block.head_macs), " head MACs");
  }
  return title;
}

// The "Totals" section: one aligned line per model-wide count.
std::string FormatTotals(const ModelSummary& summary) {
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
  std::string out = "\nTotals\n";
  for (const auto& [label, value] : totals) {
    absl::StrAppend(&out, "  ", Pad(label + ":", label_width + 1, false), "  ",
                    Pad(WithThousands(value), value_width, true), "\n");
  }
  return out;
}

}  // namespace

absl::StatusOr<ModelSummary> SummarizeModel(const Graph& graph) {
  const int64_t batch = graph.batch_size();
  if (batch < 1) return absl::InvalidArgumentError(absl::StrCat(graph.source(), ": batch size ", batch, " < 1"));
  ModelSummary summary;
  summary.name = graph.model().name();
  summary.doc = graph.model().doc();
  for (const auto& p : graph.model().param()) {
    summary.total_params += NumElements(Shape(p.shape().begin(), p.shape().end()));
  }

  const std::vector<bool> inference = InferenceNodes(graph);
  Grouper grouper(graph.model());
  for (int i = 0; i < static_cast<int>(graph.nodes().size()); ++i) {
    NodeSummary ns = SummarizeNode(graph, i, !inference[i], batch, &summary.activation_bytes);
    BlockSummary& block = grouper.GroupOf(graph.nodes()[i].block(), &summary.blocks);
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
      // Pad to the display width: a cell with multi-byte UTF-8 gets more bytes than its width.
      const size_t padded = width[c] + row[c].size() - DisplayWidth(row[c]);
      cells.push_back(last && !right[c] ? row[c] : Pad(row[c], padded, right[c]));
    }
    return absl::StrCat("  ", absl::StrJoin(cells, "  "), "\n");
  };

  std::string out = absl::StrCat("model ", summary.name.empty() ? "(unnamed)" : summary.name, "\n");
  if (!summary.doc.empty()) absl::StrAppend(&out, summary.doc, "\n");
  absl::StrAppend(&out,
                  "Per sample (batch dimension dropped). role: forward = inference path, "
                  "head = training only (local classifiers and losses).\n\n");
  absl::StrAppend(&out, line(header));
  size_t r = 0;
  for (const auto& block : summary.blocks) {
    absl::StrAppend(&out, "\n", BlockTitle(block), "\n");
    for (size_t k = 0; k < block.nodes.size(); ++k) absl::StrAppend(&out, line(rows[r++]));
  }

  absl::StrAppend(&out, FormatTotals(summary));
  return out;
}

}  // namespace nitro
