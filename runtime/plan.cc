#include "runtime/plan.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/numbers.h"
#include "graph/status_macros.h"

namespace nitro {

namespace {

// "<file>:<line>: node 'n' (Op): value 'v'" for a node output, "<file>: value 'v'" otherwise.
std::string ValueWhere(const Graph& graph, const ValueInfo& v) {
  const std::string where = v.kind == ValueKind::kNodeOutput ? graph.Where(v.producer) : graph.source();
  return absl::StrCat(where, ": value '", v.name, "'");
}

}  // namespace

absl::Status Plan::AllocateBuffers() {
  // Graph values have validated shapes (at most 2^40 elements each), so ByteSize cannot fail and
  // the sums of a graph's few thousand values cannot overflow int64.
  int64_t needed = 0;
  for (const auto& name : graph_->value_names()) {
    const ValueInfo& v = graph_->value(name);
    needed += Tensor::ByteSize(v.type.dtype, v.type.shape).value_or(0);
  }
  int64_t held = 0;
  for (const auto& name : graph_->value_names()) {
    const ValueInfo& v = graph_->value(name);
    auto t = Tensor::Allocate(v.type.dtype, v.type.shape);
    if (!t.ok() && t.status().code() == absl::StatusCode::kResourceExhausted) {
      return absl::ResourceExhaustedError(
          absl::StrCat(ValueWhere(*graph_, v), " (", DTypeName(v.type.dtype), " ", ShapeString(v.type.shape),
                       ") needs ", WithThousands(Tensor::ByteSize(v.type.dtype, v.type.shape).value_or(0)),
                       " bytes and the allocation failed; the plan holds ", WithThousands(held),
                       " bytes so far and needs ", WithThousands(needed), " in all: lower the batch size (now ",
                       graph_->batch_size(), ") or the sizes of the model's layers"));
    }
    if (!t.ok())
      return absl::Status(t.status().code(), absl::StrCat(ValueWhere(*graph_, v), ": ", t.status().message()));
    held += t->bytes();
    buffers_[name] = std::make_unique<Tensor>(*std::move(t));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Plan>> Plan::Create(const Graph* graph) {
  auto plan = std::unique_ptr<Plan>(new Plan());
  plan->graph_ = graph;
  RETURN_IF_ERROR(plan->AllocateBuffers());
  const auto& nodes = graph->nodes();
  plan->bound_.resize(nodes.size());
  plan->deps_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& in : nodes[i].in()) {
      plan->bound_[i].inputs.push_back(plan->buffers_.at(in).get());
      const ValueInfo& v = graph->value(in);
      if (v.kind == ValueKind::kNodeOutput) plan->deps_[i].push_back(v.producer);
    }
    for (const auto& out : nodes[i].out()) plan->bound_[i].outputs.push_back(plan->buffers_.at(out).get());
    auto& d = plan->deps_[i];
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
  }
  for (const auto& u : graph->model().update()) {
    Tensor* p = plan->Find(u.param());
    const Tensor* v = plan->Find(u.value());
    if (!p || !v || p->shape() != v->shape() || p->dtype() != v->dtype()) {
      return absl::InvalidArgumentError(absl::StrCat(graph->source(), ": update of parameter '", u.param(),
                                                     "' names value '", u.value(),
                                                     "', which is missing or of another type"));
    }
    plan->updates_.push_back({p, v});
  }
  return plan;
}

Tensor* Plan::Find(absl::string_view value) {
  auto it = buffers_.find(value);
  return it == buffers_.end() ? nullptr : it->second.get();
}

const Tensor* Plan::Find(absl::string_view value) const {
  auto it = buffers_.find(value);
  return it == buffers_.end() ? nullptr : it->second.get();
}

absl::Status Plan::Set(absl::string_view value, const Tensor& t) {
  Tensor* dst = Find(value);
  if (!dst) return absl::InvalidArgumentError(absl::StrCat("the graph has no value '", value, "'"));
  if (dst->dtype() != t.dtype() || dst->shape() != t.shape()) {
    return absl::InvalidArgumentError(absl::StrCat("value '", value, "' is ", DTypeName(dst->dtype()), " ",
                                                   ShapeString(dst->shape()), " but got ", DTypeName(t.dtype()), " ",
                                                   ShapeString(t.shape())));
  }
  std::memcpy(dst->raw(), t.raw(), t.bytes());
  return absl::OkStatus();
}

absl::Status Plan::RunNode(int i, bool training, RandomSource* rng) {
  KernelContext ctx(bound_[i].inputs, bound_[i].outputs, &graph_->attrs(i), training, rng);
  absl::Status s = graph_->op(i).kernel()(ctx);
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat(graph_->Where(i), ": ", s.message()));
  return absl::OkStatus();
}

void Plan::CommitUpdates() {
  for (auto& [param, value] : updates_) std::memcpy(param->raw(), value->raw(), value->bytes());
}

int64_t Plan::buffer_bytes() const {
  int64_t total = 0;
  for (const auto& [name, t] : buffers_) total += t->bytes();
  return total;
}

}  // namespace nitro
