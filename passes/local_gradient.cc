#include "passes/local_gradient.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "passes/inference_nodes.h"

namespace nitro {

namespace {

// The inference nodes of `g`; both passes of this file need a declared model output.
absl::StatusOr<std::vector<bool>> RequireInferenceNodes(const Graph& g) {
  if (g.model().output_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(g.source(), ": the model declares no `output` (the network prediction)"));
  }
  return InferenceNodes(g);
}

// Gradient rule context for one node during one visit of one block. Emitted nodes are appended to
// `out`; their output counts come from `registry`, and an op it does not know is remembered (the
// pass then fails) and given one output so the rule can go on.
class PassGradContext : public GradContext {
 public:
  PassGradContext(const OpRegistry& registry, std::string base_name, const proto::Node& node, const AttrView& attrs,
                  std::vector<ValueType> in_types, std::vector<std::string> grad_outputs, std::vector<bool> needs,
                  std::string suffix, proto::Model* out, std::set<std::string>* used)
      : registry_(registry),
        base_name_(std::move(base_name)),
        node_(node),
        attrs_(attrs),
        in_types_(std::move(in_types)),
        grad_outputs_(std::move(grad_outputs)),
        needs_(std::move(needs)),
        grad_inputs_(node.in_size()),
        suffix_(std::move(suffix)),
        out_(out),
        used_(*used) {}

  const proto::Node& node() const override { return node_; }
  const AttrView& attrs() const override { return attrs_; }
  const ValueType& input_type(int i) const override { return in_types_[i]; }
  const std::string& grad_output(int i) const override { return grad_outputs_[i]; }
  bool needs_grad(int i) const override { return needs_[i]; }
  void set_grad_input(int i, const std::string& value) override { grad_inputs_[i] = value; }
  std::vector<std::string> Emit(absl::string_view op, std::vector<std::string> inputs, std::vector<proto::Attr> attrs,
                                absl::string_view label) override {
    proto::Node* n = out_->add_node();
    n->set_op(std::string(op));
    n->set_block(node_.block());
    for (auto& in : inputs) n->add_in(in);
    for (auto& a : attrs) *n->add_attr() = std::move(a);
    const OpDef* def = registry_.Find(op);
    const int outs = def ? static_cast<int>(def->outputs().size()) : 1;
    std::vector<std::string> names;
    for (int o = 0; o < outs; ++o) {
      std::string name = absl::StrCat(base_name_, "/", label, o == 0 ? "" : absl::StrCat(o), suffix_);
      // A rule may emit several nodes with the same label; keep names unique: the first free
      // "name_N", N counting up from the number of names generated so far, is taken and recorded.
      if (!used_.insert(name).second) {
        for (size_t k = used_.size();; ++k) {
          std::string candidate = absl::StrCat(name, "_", k);
          if (used_.insert(candidate).second) {
            name = std::move(candidate);
            break;
          }
        }
      }
      n->add_out(name);
      names.push_back(name);
    }
    n->set_name(names[0]);
    if (!def) unknown_ops_.push_back(std::string(op));
    return names;
  }

  const std::vector<std::string>& grad_inputs() const { return grad_inputs_; }
  const std::vector<std::string>& unknown_ops() const { return unknown_ops_; }

 private:
  const OpRegistry& registry_;
  std::string base_name_;  // the node's name without a visit suffix
  const proto::Node& node_;
  const AttrView& attrs_;
  std::vector<ValueType> in_types_;
  std::vector<std::string> grad_outputs_;
  std::vector<bool> needs_;
  std::vector<std::string> grad_inputs_;
  std::string suffix_;
  proto::Model* out_;
  std::vector<std::string> unknown_ops_;
  std::set<std::string>& used_;  // every generated name of the pass
};

// One block of the forward graph, as the derivation sees it.
struct BlockPlan {
  const proto::Block* block = nullptr;
  std::vector<int> members;         // indices into Graph::nodes() of the block's nodes, topological order
  int loss = -1;                    // the member that is the block's one loss node
  std::vector<std::string> params;  // the parameters the block owns, in model declaration order
};

// One local step of a block.
struct Visit {
  int number = 1;                      // 1-based
  std::string suffix;                  // "" on the first visit, "@k" on the k-th
  std::vector<proto::Node> nodes;      // the members under this visit's value names (parallel to members)
  std::set<std::string> block_values;  // the values the members produce in this visit
  // Value -> the gradients flowing into it so far (one per consumer whose rule produced one).
  std::map<std::string, std::vector<std::string>> grads;
};

// Derives the training graph of one forward graph: DeriveTrainingGraph's state and its steps, in
// the order Build() runs them. Nodes are appended to `out_` in a fixed order (forward nodes; then
// per block, last to first, and per visit: re-run head nodes, backward nodes in reverse walk order
// with fan-out sums placed just before their first reader, IntegerSGD updates), so the derived
// graph is a deterministic function of the forward graph.
class GradientBuilder {
 public:
  GradientBuilder(const Graph& g, const OpRegistry& registry, const LocalGradientOptions& options,
                  std::vector<bool> inference)
      : g_(g), registry_(registry), options_(options), inference_(std::move(inference)) {}

  absl::StatusOr<proto::Model> Build() {
    CopyForward();
    RETURN_IF_ERROR(FindParamOwners());
    for (int b = g_.model().block_size() - 1; b >= 0; --b) RETURN_IF_ERROR(DeriveBlock(g_.model().block(b)));
    RETURN_IF_ERROR(CheckEveryParamOwned());
    return std::move(out_);
  }

 private:
  void CopyForward();
  absl::Status FindParamOwners();
  absl::StatusOr<BlockPlan> FindBlock(const proto::Block& block) const;
  absl::Status DeriveBlock(const proto::Block& block);
  Visit StartVisit(const BlockPlan& plan, int number, const std::map<std::string, std::string>& current);
  absl::Status Backpropagate(const BlockPlan& plan, int k, Visit* visit);
  std::string GradientOf(const std::string& value, const std::string& block, Visit* visit);
  absl::Status EmitUpdates(const BlockPlan& plan, Visit* visit, std::map<std::string, std::string>* current);
  absl::Status CheckEveryParamOwned() const;

  const Graph& g_;
  const OpRegistry& registry_;
  const LocalGradientOptions& options_;
  const std::vector<bool> inference_;               // per forward node: the model output depends on it
  proto::Model out_;                                // the training graph being built
  std::map<std::string, std::string> param_block_;  // parameter -> the one block that reads it
  std::set<std::string> used_names_;                // every name a gradient rule emitted, across blocks
};

// The forward graph as it is (nodes in topological order, heads and losses included), no
// updates, plus the runtime scalar input `lr_inv` that every IntegerSGD reads.
void GradientBuilder::CopyForward() {
  out_ = g_.model();
  out_.clear_node();
  out_.clear_update();
  for (const auto& node : g_.nodes()) *out_.add_node() = node;
  if (!g_.FindValue(kLrInvInput)) {
    proto::Input* lr = out_.add_input();
    lr->set_name(kLrInvInput);
    lr->set_dtype(kInt64);
    lr->set_role(proto::SCALAR);
  }
}

// Invariant established: every parameter read by a node belongs to exactly one block, the block of
// every node that reads it (a parameter outside all blocks would have no local loss to train it).
// The first offending node, in topological order, is named.
absl::Status GradientBuilder::FindParamOwners() {
  for (int i = 0; i < static_cast<int>(g_.nodes().size()); ++i) {
    const proto::Node& node = g_.nodes()[i];
    for (const auto& in : node.in()) {
      const ValueInfo* v = g_.FindValue(in);
      if (!v || v->kind != ValueKind::kParam) continue;
      if (node.block().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(g_.Where(i), ": parameter '", in,
                                                       "' is used outside any block, so no local loss can train it"));
      }
      auto [it, inserted] = param_block_.emplace(in, node.block());
      if (!inserted && it->second != node.block()) {
        return absl::InvalidArgumentError(absl::StrCat(g_.Where(i), ": parameter '", in, "' is used by blocks '",
                                                       it->second, "' and '", node.block(),
                                                       "'; a parameter belongs to one block"));
      }
    }
  }
  return absl::OkStatus();
}

// A block's members (its nodes in topological order), its one loss node and its parameters.
// Invariant: a block has exactly one node whose op is a loss; the local step starts there.
absl::StatusOr<BlockPlan> GradientBuilder::FindBlock(const proto::Block& block) const {
  BlockPlan plan;
  plan.block = &block;
  for (int i = 0; i < static_cast<int>(g_.nodes().size()); ++i) {
    if (g_.nodes()[i].block() != block.name()) continue;
    plan.members.push_back(i);
    if (!g_.op(i).is_loss()) continue;
    if (plan.loss >= 0) {
      return absl::InvalidArgumentError(absl::StrCat(g_.Where(i), ": block '", block.name(),
                                                     "' has a second loss node; a block has exactly one local loss"));
    }
    plan.loss = i;
  }
  if (plan.loss < 0) {
    return absl::InvalidArgumentError(absl::StrCat(g_.source(), ": block '", block.name(),
                                                   "' has no loss node (add e.g. an RssLoss on its head prediction)"));
  }
  for (const auto& p : g_.model().param()) {
    auto it = param_block_.find(p.name());
    if (it != param_block_.end() && it->second == block.name()) plan.params.push_back(p.name());
  }
  return plan;
}

// `visits` local steps of one block (1 with single_visit), then one Model.update per parameter
// naming its value after the last step. `current` maps each parameter to its latest version:
// p, then p@1 after the first step's IntegerSGD, p@2 after the second, ...
absl::Status GradientBuilder::DeriveBlock(const proto::Block& block) {
  ASSIGN_OR_RETURN(BlockPlan plan, FindBlock(block));
  const int visits = options_.single_visit ? 1 : std::max<int64_t>(1, block.visits());
  std::map<std::string, std::string> current;
  for (const auto& p : plan.params) current[p] = p;
  for (int number = 1; number <= visits; ++number) {
    Visit visit = StartVisit(plan, number, current);
    for (int k = static_cast<int>(plan.members.size()) - 1; k >= 0; --k) {
      RETURN_IF_ERROR(Backpropagate(plan, k, &visit));
    }
    RETURN_IF_ERROR(EmitUpdates(plan, &visit, &current));
  }
  for (const auto& p : plan.params) {
    proto::ParamUpdate* u = out_.add_update();
    u->set_param(p);
    u->set_value(current[p]);
  }
  return absl::OkStatus();
}

// Renames the block's values for visit `number`. Every member reads the current parameter
// versions. On visit k > 1 the head nodes (those the model output does not depend on) are re-run:
// they are emitted again with the suffix "@k" on their name and outputs, and later members read
// the renamed outputs. Inference nodes are not re-run; their saved forward activations serve every
// visit, so a second visit changes only what the head computes from the updated parameters.
Visit GradientBuilder::StartVisit(const BlockPlan& plan, int number,
                                  const std::map<std::string, std::string>& current) {
  Visit visit;
  visit.number = number;
  visit.suffix = number == 1 ? "" : absl::StrCat("@", number);
  std::map<std::string, std::string> rename = current;  // forward value -> its name in this visit
  for (int i : plan.members) {
    proto::Node node = g_.nodes()[i];
    for (auto& in : *node.mutable_in()) {
      auto it = rename.find(in);
      if (it != rename.end()) in = it->second;
    }
    if (number > 1 && !inference_[i]) {
      for (auto& o : *node.mutable_out()) {
        const std::string renamed = absl::StrCat(o, visit.suffix);
        rename[o] = renamed;
        o = renamed;
      }
      node.set_name(absl::StrCat(node.name(), visit.suffix));
      *out_.add_node() = node;
    }
    visit.block_values.insert(node.out().begin(), node.out().end());
    visit.nodes.push_back(std::move(node));
  }
  return visit;
}

// The reverse walk, one member (index k into plan.members) at a time, last to first. A member
// takes part when a gradient reaches one of its outputs (the loss node seeds the walk) and one of
// its inputs needs a gradient: a parameter, or a value produced inside the block. Values produced
// outside the block (the previous block's activations, the model inputs) never receive one, so
// no gradient crosses a block boundary (Local Error Signals). The member's rule emits the backward
// nodes; the gradients it declares for its inputs are collected in visit->grads.
absl::Status GradientBuilder::Backpropagate(const BlockPlan& plan, int k, Visit* visit) {
  const int i = plan.members[k];
  const proto::Node& node = visit->nodes[k];
  const proto::Node& original = g_.nodes()[i];
  const OpDef& def = g_.op(i);
  const bool is_loss = i == plan.loss;
  if (def.is_loss() && !is_loss) return absl::OkStatus();
  std::vector<std::string> grad_outputs;
  bool any_gradient = is_loss;
  for (const auto& o : node.out()) {
    grad_outputs.push_back(is_loss ? "" : GradientOf(o, plan.block->name(), visit));
    any_gradient = any_gradient || !grad_outputs.back().empty();
  }
  if (!any_gradient) return absl::OkStatus();
  std::vector<bool> needs;
  std::vector<ValueType> in_types;
  bool any_need = false;
  for (int q = 0; q < node.in_size(); ++q) {
    const bool need = visit->block_values.count(node.in(q)) > 0 || param_block_.count(original.in(q)) > 0;
    needs.push_back(need);
    any_need = any_need || need;
    in_types.push_back(g_.value(original.in(q)).type);
  }
  if (!any_need) return absl::OkStatus();
  if (!def.grad()) {
    return absl::UnimplementedError(absl::StrCat(g_.Where(i), ": a gradient must flow through this node but op '",
                                                 def.name(), "' has no gradient rule",
                                                 def.no_gradient() ? " (it is declared NoGradient)" : ""));
  }
  PassGradContext ctx(registry_, original.name(), node, g_.attrs(i), std::move(in_types), std::move(grad_outputs),
                      needs, visit->suffix, &out_, &used_names_);
  absl::Status s = def.grad()(ctx);
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat(g_.Where(i), ": gradient rule: ", s.message()));
  if (!ctx.unknown_ops().empty()) {
    return absl::InternalError(
        absl::StrCat(g_.Where(i), ": gradient rule emitted unknown op '", ctx.unknown_ops()[0], "'"));
  }
  for (int q = 0; q < node.in_size(); ++q) {
    if (!ctx.grad_inputs()[q].empty() && needs[q]) visit->grads[node.in(q)].push_back(ctx.grad_inputs()[q]);
  }
  return absl::OkStatus();
}

// The one gradient of `value` in this visit, or "" if none reached it. On fan-out (n > 1
// contributions) it emits n - 1 `Add` nodes (int32 with wrap-around, in the order the consumers
// were walked), named "v/grad_sum1", "v/grad_sum2", ..., the last one "v/grad_sum" (plus the visit
// suffix), and replaces the contributions by the sum, so a later call returns the same name.
std::string GradientBuilder::GradientOf(const std::string& value, const std::string& block, Visit* visit) {
  auto it = visit->grads.find(value);
  if (it == visit->grads.end() || it->second.empty()) return "";
  std::vector<std::string>& parts = it->second;
  if (parts.size() == 1) return parts[0];
  std::string acc = parts[0];
  for (size_t k = 1; k < parts.size(); ++k) {
    const std::string name =
        absl::StrCat(value, "/grad_sum", k == parts.size() - 1 ? "" : absl::StrCat(k), visit->suffix);
    proto::Node* add = out_.add_node();
    add->set_name(name);
    add->set_op("Add");
    add->set_block(block);
    add->add_in(acc);
    add->add_in(parts[k]);
    add->add_out(name);
    acc = name;
  }
  parts = {acc};
  return acc;
}

// One IntegerSGD node per parameter of the block, in declaration order: "p@k" = IntegerSGD(current
// version, its gradient, lr_inv) with the parameter's amp (1 when unset) and decay_inv. Invariant:
// the block's loss reaches every parameter of the block; a parameter without a gradient is an error.
absl::Status GradientBuilder::EmitUpdates(const BlockPlan& plan, Visit* visit,
                                          std::map<std::string, std::string>* current) {
  for (const auto& p : plan.params) {
    const std::string gradient = GradientOf((*current)[p], plan.block->name(), visit);
    if (gradient.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(g_.source(), ": parameter '", p, "' of block '",
                                                        plan.block->name(),
                                                        "' receives no gradient from the block's loss"));
    }
    const proto::Param* param = g_.FindParam(p);
    const std::string updated = absl::StrCat(p, "@", visit->number);
    proto::Node* sgd = out_.add_node();
    sgd->set_name(updated);
    sgd->set_op("IntegerSGD");
    sgd->set_block(plan.block->name());
    sgd->add_in((*current)[p]);
    sgd->add_in(gradient);
    sgd->add_in(kLrInvInput);
    sgd->add_out(updated);
    *sgd->add_attr() = IntAttr("amp", param->amp() > 0 ? param->amp() : 1);
    *sgd->add_attr() = IntAttr("decay_inv", param->decay_inv());
    (*current)[p] = updated;
  }
  return absl::OkStatus();
}

// Every declared parameter is trained by some block. BuildGraph already refuses a parameter no node
// reads, and FindParamOwners one read outside a block, so this holds for every built Graph; it is
// kept so that the pass never returns a graph that silently leaves a parameter untrained.
absl::Status GradientBuilder::CheckEveryParamOwned() const {
  for (const auto& p : g_.model().param()) {
    if (!param_block_.count(p.name())) {
      return absl::InvalidArgumentError(
          absl::StrCat(g_.source(), ": parameter '", p.name(), "' is not used by any block"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<proto::Model> ExtractInferenceGraph(const Graph& g) {
  ASSIGN_OR_RETURN(std::vector<bool> live, RequireInferenceNodes(g));
  proto::Model m = g.model();
  m.clear_node();
  m.clear_update();
  std::set<std::string> used_params;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    if (!live[i]) continue;
    *m.add_node() = g.nodes()[i];
    for (const auto& in : g.nodes()[i].in()) used_params.insert(in);
  }
  m.clear_param();
  for (const auto& p : g.model().param()) {
    if (used_params.count(p.name())) *m.add_param() = p;
  }
  m.clear_input();
  for (const auto& in : g.model().input()) {
    if (used_params.count(in.name())) *m.add_input() = in;
  }
  return m;
}

absl::StatusOr<proto::Model> DeriveTrainingGraph(const Graph& g, const LocalGradientOptions& options) {
  ASSIGN_OR_RETURN(std::vector<bool> inference, RequireInferenceNodes(g));
  const OpRegistry& registry = options.registry ? *options.registry : OpRegistry::Global();
  return GradientBuilder(g, registry, options, std::move(inference)).Build();
}

}  // namespace nitro
