#include "dist/data_parallel.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "graph/op_def.h"
#include "graph/status_macros.h"

namespace nitro {
namespace {

constexpr char kAllReduceOp[] = "AllReduce";

// Dropout's slice attributes set to `slice` (any given ones replaced).
void SetDropoutSlice(RankSlice slice, proto::Node* node) {
  google::protobuf::RepeatedPtrField<proto::Attr> kept;
  for (const auto& a : node->attr()) {
    if (a.name() != "batch_slices" && a.name() != "batch_slice") *kept.Add() = a;
  }
  *node->mutable_attr() = std::move(kept);
  *node->add_attr() = IntAttr("batch_slices", slice.ranks);
  *node->add_attr() = IntAttr("batch_slice", slice.rank);
}

// The node list with an AllReduce before every IntegerSGD, on its gradient input.
google::protobuf::RepeatedPtrField<proto::Node> WithAllReduces(const proto::Model& model, RankSlice slice) {
  google::protobuf::RepeatedPtrField<proto::Node> nodes;
  absl::flat_hash_map<std::string, std::string> reduced;  // gradient -> its reduced value
  for (const proto::Node& n : model.node()) {
    proto::Node copy = n;
    if (n.op() == "Dropout") SetDropoutSlice(slice, &copy);
    if (n.op() == "IntegerSGD" && n.in_size() >= 2) {
      const std::string& gradient = n.in(1);
      auto [it, inserted] = reduced.try_emplace(gradient, absl::StrCat(gradient, "/allreduce"));
      if (inserted) {
        proto::Node* ar = nodes.Add();
        ar->set_name(it->second);
        ar->set_op(kAllReduceOp);
        ar->set_block(n.block());
        ar->add_in(gradient);
        ar->add_out(it->second);
      }
      copy.set_in(1, it->second);
    }
    *nodes.Add() = std::move(copy);
  }
  return nodes;
}

}  // namespace

absl::StatusOr<int64_t> SliceBatchSize(int64_t batch, int ranks, const std::string& model) {
  if (ranks < 1) return absl::InvalidArgumentError(absl::StrCat("a run needs at least one rank, got ", ranks));
  if (batch % ranks != 0) {
    return absl::InvalidArgumentError(absl::StrCat(model, ": the batch size ", batch, " does not divide by the ", ranks,
                                                   " ranks; start a number of ranks that divides it"));
  }
  return batch / ranks;
}

absl::StatusOr<std::unique_ptr<Graph>> ShardTrainingGraph(const Graph& train, RankSlice slice) {
  if (slice.ranks < 1 || slice.rank < 0 || slice.rank >= slice.ranks) {
    return absl::InvalidArgumentError(absl::StrCat("rank ", slice.rank, " of ", slice.ranks, " is not a rank"));
  }
  proto::Model model = train.model();
  if (slice.ranks > 1) *model.mutable_node() = WithAllReduces(model, slice);
  BuildOptions options;
  options.source = absl::StrCat(train.source(), " (rank ", slice.rank, " of ", slice.ranks, ")");
  options.batch_size = train.batch_size();
  ASSIGN_OR_RETURN(Graph graph, BuildGraph(std::move(model), options));
  return std::make_unique<Graph>(std::move(graph));
}

int64_t AllReduceBytesPerStep(const Graph& train) {
  int64_t bytes = 0;
  for (const proto::Node& n : train.nodes()) {
    if (n.op() != kAllReduceOp) continue;
    bytes += NumElements(train.value(n.in(0)).type.shape) * 4;
  }
  return bytes;
}

}  // namespace nitro
