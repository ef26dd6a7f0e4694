#include "passes/local_gradient.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"

namespace nitro {

namespace {

// Indices of the nodes the model outputs depend on.
absl::StatusOr<std::vector<bool>> InferenceNodes(const Graph& g) {
  const int n = static_cast<int>(g.nodes().size());
  if (g.model().output_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(g.source(), ": the model declares no `output` (the network prediction)"));
  }
  std::vector<bool> live(n, false);
  std::vector<std::string> stack(g.model().output().begin(), g.model().output().end());
  while (!stack.empty()) {
    const ValueInfo* v = g.FindValue(stack.back());
    stack.pop_back();
    if (!v || v->kind != ValueKind::kNodeOutput || live[v->producer]) continue;
    live[v->producer] = true;
    for (const auto& in : g.nodes()[v->producer].in()) stack.push_back(in);
  }
  return live;
}

// Gradient rule context for one node during one visit of one block.
class PassGradContext : public GradContext {
 public:
  PassGradContext(const Graph& g, std::string base_name, const proto::Node& node, const AttrView& attrs, std::vector<ValueType> in_types,
                  std::vector<std::string> grad_outputs, std::vector<bool> needs, std::string suffix,
                  proto::Model* out, std::set<std::string>* used)
      : g_(g), base_name_(std::move(base_name)), node_(node), attrs_(attrs), in_types_(std::move(in_types)), grad_outputs_(std::move(grad_outputs)),
        needs_(std::move(needs)), grad_inputs_(node.in_size()), suffix_(std::move(suffix)), out_(out), used_(*used) {}

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
    const OpDef* def = OpRegistry::Global().Find(op);
    const int outs = def ? static_cast<int>(def->outputs().size()) : 1;
    std::vector<std::string> names;
    for (int o = 0; o < outs; ++o) {
      std::string name = absl::StrCat(base_name_, "/", label, o == 0 ? "" : absl::StrCat(o), suffix_);
      // A rule may emit several nodes with the same label; keep names unique.
      if (!used_.insert(name).second) name = absl::StrCat(name, "_", used_.size());
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
  const Graph& g_;
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

}  // namespace

absl::StatusOr<proto::Model> ExtractInferenceGraph(const Graph& g) {
  ASSIGN_OR_RETURN(std::vector<bool> live, InferenceNodes(g));
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
  ASSIGN_OR_RETURN(std::vector<bool> inference, InferenceNodes(g));
  const int n = static_cast<int>(g.nodes().size());
  const std::string& src = g.source();

  proto::Model out = g.model();
  out.clear_node();
  out.clear_update();
  std::set<std::string> used_names;
  for (const auto& node : g.nodes()) *out.add_node() = node;
  if (!g.FindValue(kLrInvInput)) {
    proto::Input* lr = out.add_input();
    lr->set_name(kLrInvInput);
    lr->set_dtype(kInt64);
    lr->set_role(proto::SCALAR);
  }

  // Which block owns each parameter.
  std::map<std::string, std::string> param_block;
  for (int i = 0; i < n; ++i) {
    const proto::Node& node = g.nodes()[i];
    for (const auto& in : node.in()) {
      const ValueInfo* v = g.FindValue(in);
      if (!v || v->kind != ValueKind::kParam) continue;
      if (node.block().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(g.Where(i), ": parameter '", in,
                                                       "' is used outside any block, so no local loss can train it"));
      }
      auto [it, inserted] = param_block.emplace(in, node.block());
      if (!inserted && it->second != node.block()) {
        return absl::InvalidArgumentError(absl::StrCat(g.Where(i), ": parameter '", in, "' is used by blocks '", it->second,
                                                       "' and '", node.block(), "'; a parameter belongs to one block"));
      }
    }
  }

  std::vector<const proto::Block*> blocks;
  for (const auto& b : g.model().block()) blocks.push_back(&b);
  std::reverse(blocks.begin(), blocks.end());
  for (const proto::Block* block : blocks) {
    // The block's nodes (topological order) and its loss.
    std::vector<int> members;
    int loss = -1;
    for (int i = 0; i < n; ++i) {
      if (g.nodes()[i].block() != block->name()) continue;
      members.push_back(i);
      if (g.op(i).is_loss()) {
        if (loss >= 0) {
          return absl::InvalidArgumentError(absl::StrCat(g.Where(i), ": block '", block->name(),
                                                         "' has a second loss node; a block has exactly one local loss"));
        }
        loss = i;
      }
    }
    if (loss < 0) {
      return absl::InvalidArgumentError(absl::StrCat(src, ": block '", block->name(),
                                                     "' has no loss node (add e.g. an RssLoss on its head prediction)"));
    }
    std::vector<std::string> params;
    for (const auto& [p, b] : param_block) {
      if (b == block->name()) params.push_back(p);
    }
    // Keep the model's declaration order for parameters.
    std::sort(params.begin(), params.end(), [&](const std::string& a, const std::string& b) {
      auto pos = [&](const std::string& name) {
        for (int k = 0; k < g.model().param_size(); ++k) {
          if (g.model().param(k).name() == name) return k;
        }
        return 0;
      };
      return pos(a) < pos(b);
    });

    const int visits = options.single_visit ? 1 : std::max<int64_t>(1, block->visits());
    std::map<std::string, std::string> current;  // parameter -> its value at this point of the step
    for (const auto& p : params) current[p] = p;
    for (int visit = 1; visit <= visits; ++visit) {
      const std::string suffix = visit == 1 ? "" : absl::StrCat("@", visit);
      // Value renaming for this visit: re-run head nodes read updated parameters.
      std::map<std::string, std::string> rename = current;
      std::vector<proto::Node> version(members.size());
      for (size_t k = 0; k < members.size(); ++k) {
        const int i = members[k];
        proto::Node node = g.nodes()[i];
        const bool rerun = visit > 1 && !inference[i];
        for (auto& in : *node.mutable_in()) {
          auto it = rename.find(in);
          if (it != rename.end()) in = it->second;
        }
        if (rerun) {
          for (auto& o : *node.mutable_out()) {
            const std::string renamed = absl::StrCat(o, suffix);
            rename[o] = renamed;
            o = renamed;
          }
          node.set_name(absl::StrCat(node.name(), suffix));
          *out.add_node() = node;
        }
        version[k] = std::move(node);
      }
      std::set<std::string> block_values;  // values produced inside the block (this visit)
      for (const auto& node : version) block_values.insert(node.out().begin(), node.out().end());

      // Reverse walk.
      std::map<std::string, std::vector<std::string>> grads;
      auto grad_of = [&](const std::string& v) -> std::string {
        auto it = grads.find(v);
        if (it == grads.end() || it->second.empty()) return "";
        if (it->second.size() == 1) return it->second[0];
        // Fan-out: sum the contributions (int32, wrap) into one value.
        std::string acc = it->second[0];
        for (size_t k = 1; k < it->second.size(); ++k) {
          proto::Node* add = out.add_node();
          const std::string name = absl::StrCat(v, "/grad_sum", k == it->second.size() - 1 ? "" : absl::StrCat(k), suffix);
          add->set_name(name);
          add->set_op("Add");
          add->set_block(block->name());
          add->add_in(acc);
          add->add_in(it->second[k]);
          add->add_out(name);
          acc = name;
        }
        it->second = {acc};
        return acc;
      };
      for (int k = static_cast<int>(members.size()) - 1; k >= 0; --k) {
        const int i = members[k];
        const proto::Node& node = version[k];
        const OpDef& def = g.op(i);
        const bool is_loss = (i == loss);
        if (def.is_loss() && !is_loss) continue;
        std::vector<std::string> gout;
        bool any = is_loss;
        for (const auto& o : node.out()) {
          gout.push_back(is_loss ? "" : grad_of(o));
          any = any || !gout.back().empty();
        }
        if (!any) continue;
        std::vector<bool> needs;
        std::vector<ValueType> in_types;
        bool any_need = false;
        for (int q = 0; q < node.in_size(); ++q) {
          const std::string& in = node.in(q);
          const std::string& original = g.nodes()[i].in(q);
          const bool need = block_values.count(in) > 0 || param_block.count(original) > 0;
          needs.push_back(need);
          any_need = any_need || need;
          in_types.push_back(g.value(original).type);
        }
        if (!any_need) continue;
        if (!def.grad()) {
          return absl::UnimplementedError(absl::StrCat(g.Where(i), ": a gradient must flow through this node but op '",
                                                       def.name(), "' has no gradient rule",
                                                       def.no_gradient() ? " (it is declared NoGradient)" : ""));
        }
        PassGradContext ctx(g, g.nodes()[i].name(), node, g.attrs(i), std::move(in_types), std::move(gout), needs, suffix, &out,
                            &used_names);
        absl::Status s = def.grad()(ctx);
        if (!s.ok()) return absl::Status(s.code(), absl::StrCat(g.Where(i), ": gradient rule: ", s.message()));
        if (!ctx.unknown_ops().empty()) {
          return absl::InternalError(absl::StrCat(g.Where(i), ": gradient rule emitted unknown op '", ctx.unknown_ops()[0], "'"));
        }
        for (int q = 0; q < node.in_size(); ++q) {
          if (!ctx.grad_inputs()[q].empty() && needs[q]) grads[node.in(q)].push_back(ctx.grad_inputs()[q]);
        }
      }
      // One IntegerSGD per parameter.
      for (const auto& p : params) {
        const std::string gname = grad_of(current[p]);
        if (gname.empty()) {
          return absl::FailedPreconditionError(absl::StrCat(src, ": parameter '", p, "' of block '", block->name(),
                                                            "' receives no gradient from the block's loss"));
        }
        const proto::Param* param = g.FindParam(p);
        proto::Node* sgd = out.add_node();
        const std::string updated = absl::StrCat(p, "@", visit);
        sgd->set_name(updated);
        sgd->set_op("IntegerSGD");
        sgd->set_block(block->name());
        sgd->add_in(current[p]);
        sgd->add_in(gname);
        sgd->add_in(kLrInvInput);
        sgd->add_out(updated);
        *sgd->add_attr() = IntAttr("amp", param->amp() > 0 ? param->amp() : 1);
        *sgd->add_attr() = IntAttr("decay_inv", param->decay_inv());
        current[p] = updated;
      }
    }
    for (const auto& p : params) {
      proto::ParamUpdate* u = out.add_update();
      u->set_param(p);
      u->set_value(current[p]);
    }
  }
  // Parameters no block trains.
  for (const auto& p : g.model().param()) {
    if (!param_block.count(p.name())) {
      return absl::InvalidArgumentError(absl::StrCat(src, ": parameter '", p.name(), "' is not used by any block"));
    }
  }
  return out;
}

}  // namespace nitro
