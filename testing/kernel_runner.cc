#include "testing/kernel_runner.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/loader.h"
#include "graph/op_registry.h"
#include "graph/status_macros.h"
#include "gtest/gtest.h"
#include "runtime/serial_executor.h"

namespace nitro {
namespace {

constexpr char kSource[] = "kernel_runner";
constexpr char kBackwardSource[] = "kernel_runner (backward)";

// The smallest and largest value of an integer dtype.
std::pair<int64_t, int64_t> Range(DType dtype) {
  return DispatchDType(dtype, [](auto t) -> std::pair<int64_t, int64_t> {
    using T = decltype(t);
    return {std::numeric_limits<T>::min(), std::numeric_limits<T>::max()};
  });
}

Tensor MakeTensor(DType dtype, const Shape& shape, const std::vector<int64_t>& values) {
  const absl::StatusOr<int64_t> count = ElementCount(shape);
  if (!count.ok()) {
    ADD_FAILURE() << DTypeName(dtype) << " tensor: " << count.status().message();
    return Tensor();
  }
  if (static_cast<int64_t>(values.size()) != *count) {
    ADD_FAILURE() << DTypeName(dtype) << " " << ShapeString(shape) << " holds " << *count << " values, got "
                  << values.size();
  }
  const auto [lo, hi] = Range(dtype);
  Tensor t(dtype, shape);
  for (int64_t i = 0; i < std::min<int64_t>(*count, values.size()); ++i) {
    if (values[i] < lo || values[i] > hi) {
      ADD_FAILURE() << "value " << values[i] << " (element " << i << ") does not fit " << DTypeName(dtype);
    }
    t.Set(i, values[i]);
  }
  return t;
}

// Declares `name` as a model input of exactly t's dtype and full shape: the SCALAR role keeps
// BuildGraph from prepending a batch dimension.
void DeclareInput(const std::string& name, const ValueType& type, proto::Model* model) {
  proto::Input* in = model->add_input();
  in->set_name(name);
  in->set_dtype(type.dtype);
  for (int64_t d : type.shape) in->add_shape(d);
  in->set_role(proto::SCALAR);
}

// A compiled graph together with its plan (which points into the graph).
struct Compiled {
  std::unique_ptr<Graph> graph;
  std::unique_ptr<Plan> plan;
};

// Declares every feed as an input of `model`, builds and compiles it, and copies the feeds in.
absl::StatusOr<Compiled> Compile(proto::Model model, const TensorMap& feeds, BuildOptions options) {
  for (const auto& [name, t] : feeds) DeclareInput(name, {t.dtype(), t.shape()}, &model);
  ASSIGN_OR_RETURN(Graph graph, BuildGraph(std::move(model), options));
  Compiled c;
  c.graph = std::make_unique<Graph>(std::move(graph));
  ASSIGN_OR_RETURN(c.plan, Plan::Create(c.graph.get()));
  for (const auto& [name, t] : feeds) RETURN_IF_ERROR(c.plan->Set(name, t));
  return c;
}

// The gradient-rule context of the runner's one node: like the local-gradient pass's, minus the
// blocks and visits. Emitted nodes are collected in emission order.
class RunnerGradContext : public GradContext {
 public:
  RunnerGradContext(const Graph& graph, std::vector<std::string> grad_outputs, std::vector<bool> needs)
      : graph_(graph),
        grad_outputs_(std::move(grad_outputs)),
        needs_(std::move(needs)),
        grad_inputs_(graph.nodes()[0].in_size()) {}

  const proto::Node& node() const override { return graph_.nodes()[0]; }
  const AttrView& attrs() const override { return graph_.attrs(0); }
  const ValueType& input_type(int i) const override { return graph_.value(node().in(i)).type; }
  const std::string& grad_output(int i) const override { return grad_outputs_[i]; }
  bool needs_grad(int i) const override { return needs_[i]; }
  void set_grad_input(int i, const std::string& value) override { grad_inputs_[i] = value; }

  // Names the outputs "<node>/<label>", then "<node>/<label>1", ... like the pass; a repeated
  // label gets a "_<n>" suffix.
  std::vector<std::string> Emit(absl::string_view op, std::vector<std::string> inputs, std::vector<proto::Attr> attrs,
                                absl::string_view label) override {
    proto::Node n;
    n.set_op(std::string(op));
    for (auto& in : inputs) n.add_in(std::move(in));
    for (auto& a : attrs) *n.add_attr() = std::move(a);
    const OpDef* def = OpRegistry::Global().Find(op);
    if (def == nullptr) unknown_ops_.push_back(std::string(op));
    const int outs = def ? static_cast<int>(def->outputs().size()) : 1;
    std::vector<std::string> names;
    for (int o = 0; o < outs; ++o) {
      std::string name = absl::StrCat(node().name(), "/", label, o == 0 ? "" : absl::StrCat(o));
      if (!used_.insert(name).second) name = absl::StrCat(name, "_", used_.size());
      n.add_out(name);
      names.push_back(name);
    }
    n.set_name(names[0]);
    emitted_.push_back(std::move(n));
    return names;
  }

  const std::vector<std::string>& grad_inputs() const { return grad_inputs_; }
  const std::vector<std::string>& unknown_ops() const { return unknown_ops_; }
  std::vector<proto::Node>& emitted() { return emitted_; }

 private:
  const Graph& graph_;
  std::vector<std::string> grad_outputs_;
  std::vector<bool> needs_;
  std::vector<std::string> grad_inputs_;
  std::vector<std::string> unknown_ops_;
  std::vector<proto::Node> emitted_;
  std::set<std::string> used_;
};

}  // namespace

Tensor Int8(const Shape& shape, const std::vector<int64_t>& values) { return MakeTensor(kInt8, shape, values); }
Tensor Int16(const Shape& shape, const std::vector<int64_t>& values) { return MakeTensor(kInt16, shape, values); }
Tensor Int32(const Shape& shape, const std::vector<int64_t>& values) { return MakeTensor(kInt32, shape, values); }
Tensor Int64(const Shape& shape, const std::vector<int64_t>& values) { return MakeTensor(kInt64, shape, values); }

std::vector<int64_t> Values(const Tensor& t) {
  std::vector<int64_t> values(t.empty() ? 0 : t.size());
  for (size_t i = 0; i < values.size(); ++i) values[i] = t.Get(static_cast<int64_t>(i));
  return values;
}

bool operator==(const Tensor& a, const Tensor& b) { return a.Equals(b); }

void PrintTo(const Tensor& t, std::ostream* os) {
  if (t.empty()) {
    *os << "<no tensor>";
    return;
  }
  *os << DTypeName(t.dtype()) << " " << ShapeString(t.shape()) << " {" << absl::StrJoin(Values(t), ", ") << "}";
}

const Tensor& Gradients::Of(const std::string& name) const {
  static const Tensor* const kNone = new Tensor();
  auto it = of.find(name);
  return it == of.end() ? *kNone : it->second;
}

std::vector<std::string> Gradients::EmittedOps() const {
  std::vector<std::string> ops;
  for (const auto& n : emitted) ops.push_back(n.op());
  return ops;
}

absl::StatusOr<KernelRunner> KernelRunner::Create(absl::string_view node_text, TensorMap inputs) {
  ASSIGN_OR_RETURN(ParsedModel parsed, ParseModelText(absl::StrCat("node { ", node_text, " }"), kSource));
  BuildOptions options;
  options.source = kSource;
  options.node_lines = parsed.node_lines;
  ASSIGN_OR_RETURN(Compiled forward, Compile(std::move(parsed.model), inputs, options));
  if (forward.graph->nodes().size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(kSource, ": the text must describe exactly one node, got ", forward.graph->nodes().size()));
  }
  KernelRunner r;
  r.inputs_ = std::move(inputs);
  r.graph_ = std::move(forward.graph);
  r.plan_ = std::move(forward.plan);
  return r;
}

absl::Status KernelRunner::Run(bool training, RandomSource* rng) {
  RETURN_IF_ERROR(RunSerial(*plan_, training, rng));
  ran_ = true;
  return absl::OkStatus();
}

const Tensor& KernelRunner::Output(absl::string_view name) const {
  static const Tensor* const kNone = new Tensor();
  const Tensor* t = plan_->Find(name);
  return t ? *t : *kNone;
}

absl::StatusOr<Gradients> KernelRunner::Gradient(absl::string_view output, const Tensor& delta,
                                                 const std::vector<std::string>& wrt) {
  return RunGradient({{std::string(output), delta}}, wrt);
}

absl::StatusOr<Gradients> KernelRunner::LossGradient(const std::vector<std::string>& wrt) {
  if (!graph_->op(0).is_loss()) {
    return absl::InvalidArgumentError(absl::StrCat(graph_->Where(0),
                                                   ": LossGradient needs a loss op; give the "
                                                   "gradient of an output with Gradient(output, delta)"));
  }
  return RunGradient({}, wrt);
}

absl::StatusOr<Gradients> KernelRunner::RunGradient(const TensorMap& deltas, const std::vector<std::string>& wrt) {
  const Graph& g = *graph_;
  const proto::Node& node = g.nodes()[0];
  const OpDef& def = g.op(0);
  if (!def.grad()) {
    return absl::UnimplementedError(absl::StrCat(g.Where(0), ": op '", def.name(), "' has no gradient rule",
                                                 def.no_gradient() ? " (it is declared NoGradient)" : ""));
  }
  if (!ran_) RETURN_IF_ERROR(Run());

  // The incoming gradients, fed as "<output>/grad", and the inputs that need one.
  TensorMap feeds = inputs_;
  for (const auto& out : node.out()) feeds[out] = *plan_->Find(out);
  std::vector<std::string> grad_outputs(node.out_size());
  for (const auto& [name, delta] : deltas) {
    const auto it = std::find(node.out().begin(), node.out().end(), name);
    if (it == node.out().end()) {
      return absl::InvalidArgumentError(absl::StrCat(g.Where(0), ": the node has no output '", name, "'"));
    }
    grad_outputs[it - node.out().begin()] = absl::StrCat(name, "/grad");
    feeds[absl::StrCat(name, "/grad")] = delta;
  }
  for (const auto& name : wrt) {
    if (std::find(node.in().begin(), node.in().end(), name) == node.in().end()) {
      return absl::InvalidArgumentError(absl::StrCat(g.Where(0), ": the node has no input '", name, "'"));
    }
  }
  std::vector<bool> needs;
  for (const auto& in : node.in()) needs.push_back(wrt.empty() || std::find(wrt.begin(), wrt.end(), in) != wrt.end());

  RunnerGradContext ctx(g, std::move(grad_outputs), needs);
  const absl::Status rule = def.grad()(ctx);
  if (!rule.ok()) return absl::Status(rule.code(), absl::StrCat(g.Where(0), ": gradient rule: ", rule.message()));
  if (!ctx.unknown_ops().empty()) {
    return absl::InternalError(
        absl::StrCat(g.Where(0), ": gradient rule emitted unknown op '", ctx.unknown_ops()[0], "'"));
  }

  // The emitted nodes as a graph of their own, run once.
  Gradients result;
  result.emitted = std::move(ctx.emitted());
  Compiled backward;
  if (!result.emitted.empty()) {
    proto::Model model;
    for (const auto& n : result.emitted) *model.add_node() = n;
    BuildOptions options;
    options.source = kBackwardSource;
    ASSIGN_OR_RETURN(backward, Compile(std::move(model), feeds, options));
    RETURN_IF_ERROR(RunSerial(*backward.plan, /*training=*/true, nullptr));
  }
  for (int q = 0; q < node.in_size(); ++q) {
    const std::string& value = ctx.grad_inputs()[q];
    if (value.empty() || !needs[q]) continue;
    const Tensor* t = backward.plan ? backward.plan->Find(value) : nullptr;
    if (t == nullptr && feeds.count(value)) t = &feeds.at(value);
    if (t == nullptr) {
      return absl::InternalError(absl::StrCat(g.Where(0), ": gradient rule declared '", value,
                                              "' as the gradient of input ", q, ", but no value has that name"));
    }
    if (!result.of.emplace(node.in(q), *t).second) {
      return absl::InvalidArgumentError(absl::StrCat(g.Where(0), ": input '", node.in(q),
                                                     "' is read twice; give each "
                                                     "input its own name to see its gradients apart"));
    }
  }
  return result;
}

absl::StatusOr<Tensor> RunKernel(absl::string_view node_text, TensorMap inputs, absl::string_view output) {
  ASSIGN_OR_RETURN(KernelRunner r, KernelRunner::Create(node_text, std::move(inputs)));
  RETURN_IF_ERROR(r.Run());
  const Tensor& t = r.Output(output);
  if (t.empty()) return absl::InvalidArgumentError(absl::StrCat(kSource, ": the graph has no value '", output, "'"));
  return t;
}

}  // namespace nitro
