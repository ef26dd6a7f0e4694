#include "runtime/plan.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/numbers.h"
#include "graph/status_macros.h"
#include "runtime/memory_plan.h"

namespace nitro {

namespace {

// "<file>:<line>: node 'n' (Op): value 'v'" for a node output, "<file>: value 'v'" otherwise.
std::string ValueWhere(const Graph& graph, const ValueInfo& v) {
  const std::string where = v.kind == ValueKind::kNodeOutput ? graph.Where(v.producer) : graph.source();
  return absl::StrCat(where, ": value '", v.name, "'");
}

// ResourceExhausted for a buffer of `bytes` that could not be allocated, naming the value (the
// first one, for a shared buffer) and what the plan needs in all.
absl::Status OutOfMemory(const Graph& graph, const ValueInfo& v, int64_t bytes, int64_t held, int64_t needed) {
  return absl::ResourceExhaustedError(absl::StrCat(
      ValueWhere(graph, v), " (", DTypeName(v.type.dtype), " ", ShapeString(v.type.shape), ") needs ",
      WithThousands(bytes), " bytes and the allocation failed; the plan holds ", WithThousands(held),
      " bytes so far and needs ", WithThousands(needed), " in all: lower the batch size (now ", graph.batch_size(),
      ") or the sizes of the model's layers"));
}

}  // namespace

absl::Status Plan::AllocateBuffers(const PlanOptions& options) {
  // Graph values have validated shapes (at most 2^40 elements each), so ByteSize cannot fail and
  // the sums of a graph's few thousand values cannot overflow int64.
  const auto& names = graph_->value_names();
  MemoryPlan memory = options.share_buffers ? PlanMemory(*graph_, options.keep) : SeparateBuffers(*graph_);
  const int64_t needed = memory.total_bytes();
  std::vector<Tensor> slots(memory.slot_bytes.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const ValueInfo& v = graph_->value(names[i]);
    const int s = memory.slot[i];
    if (s >= 0 && slots[s].empty()) {
      auto t = Tensor::Allocate(kInt8, {memory.slot_bytes[s]});
      if (!t.ok()) return OutOfMemory(*graph_, v, memory.slot_bytes[s], buffer_bytes_, needed);
      buffer_bytes_ += t->bytes();
      slots[s] = *std::move(t);
    }
    absl::StatusOr<Tensor> t;
    if (memory.in_place_of[i] >= 0) {  // the parameter precedes its updates in value order
      t = Tensor::SharedView(*buffers_.at(names[memory.in_place_of[i]]), v.type.dtype, v.type.shape);
    } else if (s >= 0) {
      t = Tensor::SharedView(slots[s], v.type.dtype, v.type.shape);
    } else {
      t = Tensor::Allocate(v.type.dtype, v.type.shape);
    }
    if (!t.ok() && t.status().code() == absl::StatusCode::kResourceExhausted) {
      return OutOfMemory(*graph_, v, Tensor::ByteSize(v.type.dtype, v.type.shape).value_or(0), buffer_bytes_,
                         needed);
    }
    if (!t.ok())
      return absl::Status(t.status().code(), absl::StrCat(ValueWhere(*graph_, v), ": ", t.status().message()));
    if (s >= 0) shared_.insert(names[i]);
    if (s < 0 && memory.in_place_of[i] < 0) buffer_bytes_ += t->bytes();
    buffers_[names[i]] = std::make_unique<Tensor>(*std::move(t));
  }
  order_ = std::move(memory.order);
  extra_deps_ = std::move(memory.extra_deps);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Plan>> Plan::Create(const Graph* graph, const PlanOptions& options) {
  auto plan = std::unique_ptr<Plan>(new Plan());
  plan->graph_ = graph;
  RETURN_IF_ERROR(plan->AllocateBuffers(options));
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
    d.insert(d.end(), plan->extra_deps_[i].begin(), plan->extra_deps_[i].end());
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
  return it == buffers_.end() || shared_.contains(value) ? nullptr : it->second.get();
}

const Tensor* Plan::Find(absl::string_view value) const {
  auto it = buffers_.find(value);
  return it == buffers_.end() || shared_.contains(value) ? nullptr : it->second.get();
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
  for (auto& [param, value] : updates_) {
    if (param->raw() != value->raw()) std::memcpy(param->raw(), value->raw(), value->bytes());
  }
}

}  // namespace nitro
