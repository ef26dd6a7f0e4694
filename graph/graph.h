// Graph: a validated model with static shapes — every value typed, nodes in topological order.
#ifndef NITRO_GRAPH_GRAPH_H_
#define NITRO_GRAPH_GRAPH_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "graph/op_def.h"
#include "graph/op_registry.h"
#include "proto/nitro.pb.h"

namespace nitro {

enum class ValueKind { kInput, kParam, kNodeOutput };

struct ValueInfo {
  std::string name;
  ValueType type;
  ValueKind kind = ValueKind::kNodeOutput;
  int producer = -1;  // index into Graph::nodes() for kNodeOutput
  int output_index = 0;
  std::vector<int> consumers;  // node indices
};

struct BuildOptions {
  std::string source = "<model>";        // file name used in error messages
  int64_t batch_size = 0;                // 0: the model's train.batch_size, or 1 if unset
  const OpRegistry* registry = nullptr;  // null: OpRegistry::Global()
  // 1-based source line of each node (parallel to Model.node), for error messages; may be empty.
  std::vector<int> node_lines;
};

class Graph {
 public:
  const proto::Model& model() const { return model_; }
  const std::string& source() const { return source_; }
  int64_t batch_size() const { return batch_size_; }
  // Nodes in a deterministic topological order (declaration order among ready nodes).
  const std::vector<proto::Node>& nodes() const { return nodes_; }
  const OpDef& op(int node) const { return *ops_[node]; }
  const AttrView& attrs(int node) const { return attrs_[node]; }
  const ValueInfo* FindValue(absl::string_view name) const;
  const ValueInfo& value(absl::string_view name) const { return *FindValue(name); }
  const std::vector<std::string>& value_names() const { return value_order_; }
  const proto::Param* FindParam(absl::string_view name) const;
  // "file:line: node 'n' (Op)" for messages about node i (NodeLocation of source_location.h).
  std::string Where(int node) const;

 private:
  // The phases of BuildGraph and the state they share (graph.cc).
  struct Builder;
  friend absl::StatusOr<Graph> BuildGraph(proto::Model model, const BuildOptions& options);
  proto::Model model_;
  std::string source_;
  int64_t batch_size_ = 1;
  std::vector<proto::Node> nodes_;
  std::vector<int> lines_;
  std::vector<const OpDef*> ops_;
  std::vector<AttrView> attrs_;
  absl::flat_hash_map<std::string, ValueInfo> values_;
  std::vector<std::string> value_order_;
};

// Validates `model` against the op registry and infers every value's type, in four phases: declare
// the inputs and parameters, resolve the nodes (op, arity, block, attributes, outputs), order them
// topologically, infer their shapes at the batch size. Errors are InvalidArgument (NotFound for an
// unknown op, OutOfRange for an output too large) and name the file, line and node; of several
// problems the first one in that order is reported.
absl::StatusOr<Graph> BuildGraph(proto::Model model, const BuildOptions& options);

}  // namespace nitro

#endif  // NITRO_GRAPH_GRAPH_H_
