#include "graph/graph.h"

#include <algorithm>
#include <queue>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"

namespace nitro {

namespace {

bool ValidValueName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'') return false;
  }
  return true;
}

std::string Loc(const std::string& source, int line) {
  return line > 0 ? absl::StrCat(source, ":", line) : source;
}

bool AttrHasType(const proto::Attr& a, AttrType t) {
  switch (t) {
    case AttrType::kInt: return a.value_case() == proto::Attr::kI;
    case AttrType::kInts: return a.value_case() == proto::Attr::kInts;
    case AttrType::kString: return a.value_case() == proto::Attr::kS;
    case AttrType::kDType: return a.value_case() == proto::Attr::kDtype;
  }
  return false;
}

}  // namespace

const ValueInfo* Graph::FindValue(absl::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

const proto::Param* Graph::FindParam(absl::string_view name) const {
  for (const auto& p : model_.param()) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

std::string Graph::Where(int node) const {
  return absl::StrCat(Loc(source_, lines_[node]), ": node '", nodes_[node].name(), "' (", nodes_[node].op(), ")");
}

absl::StatusOr<Graph> BuildGraph(proto::Model model, const BuildOptions& options) {
  const OpRegistry& registry = options.registry ? *options.registry : OpRegistry::Global();
  RETURN_IF_ERROR(registry.Validate());
  Graph g;
  g.source_ = options.source;
  g.batch_size_ = options.batch_size > 0 ? options.batch_size
                                         : (model.train().batch_size() > 0 ? model.train().batch_size() : 1);
  const std::string& src = g.source_;
  auto err = [&](const std::string& msg) { return absl::InvalidArgumentError(absl::StrCat(src, ": ", msg)); };

  // Declared values: inputs and parameters.
  auto declare = [&](const std::string& name, ValueType type, ValueKind kind, const char* what) -> absl::Status {
    if (!ValidValueName(name)) return err(absl::StrCat(what, " has an empty or malformed name '", name, "'"));
    if (g.values_.count(name)) return err(absl::StrCat(what, " '", name, "' is defined twice"));
    ValueInfo info;
    info.name = name;
    info.type = std::move(type);
    info.kind = kind;
    g.values_.emplace(name, std::move(info));
    g.value_order_.push_back(name);
    return absl::OkStatus();
  };
  for (const auto& in : model.input()) {
    if (in.dtype() == proto::DTYPE_UNSPECIFIED) {
      return err(absl::StrCat("input '", in.name(), "' has no dtype (add e.g. `dtype: INT8`)"));
    }
    Shape shape(in.shape().begin(), in.shape().end());
    if (in.role() != proto::SCALAR) shape.insert(shape.begin(), g.batch_size_);
    auto count = ElementCount(shape);
    if (!count.ok()) return err(absl::StrCat("input '", in.name(), "': ", count.status().message()));
    RETURN_IF_ERROR(declare(in.name(), {in.dtype(), shape}, ValueKind::kInput, "input"));
  }
  for (auto& p : *model.mutable_param()) {
    if (p.dtype() == proto::DTYPE_UNSPECIFIED) p.set_dtype(kInt32);
    if (p.dtype() != kInt32) return err(absl::StrCat("parameter '", p.name(), "' must be INT32 (weights are int32, spec §2)"));
    Shape shape(p.shape().begin(), p.shape().end());
    if (shape.empty()) return err(absl::StrCat("parameter '", p.name(), "' has no shape"));
    auto count = ElementCount(shape);
    if (!count.ok()) return err(absl::StrCat("parameter '", p.name(), "': ", count.status().message()));
    if (p.init().kind_case() == proto::Init::kValues && p.init().values().v_size() != *count) {
      return err(absl::StrCat("parameter '", p.name(), "': init has ", p.init().values().v_size(),
                              " values but the shape ", ShapeString(shape), " holds ", *count));
    }
    if (p.amp() < 0 || p.decay_inv() < 0) return err(absl::StrCat("parameter '", p.name(), "': amp and decay_inv must be >= 0"));
    RETURN_IF_ERROR(declare(p.name(), {p.dtype(), shape}, ValueKind::kParam, "parameter"));
  }
  absl::flat_hash_set<std::string> blocks;
  for (const auto& b : model.block()) {
    if (b.name().empty() || !blocks.insert(b.name()).second) {
      return err(absl::StrCat("block '", b.name(), "' is empty-named or declared twice"));
    }
    if (b.visits() < 0 || b.visits() > 8) return err(absl::StrCat("block '", b.name(), "': visits must be in [0, 8]"));
  }

  // Nodes: names, op lookup, arity, attributes, producers.
  const int n = model.node_size();
  std::vector<int> lines(n, 0);
  for (int i = 0; i < n && i < static_cast<int>(options.node_lines.size()); ++i) lines[i] = options.node_lines[i];
  absl::flat_hash_map<std::string, int> producer;
  absl::flat_hash_set<std::string> node_names;
  std::vector<const OpDef*> ops(n);
  std::vector<AttrView> attrs(n);
  for (int i = 0; i < n; ++i) {
    proto::Node& node = *model.mutable_node(i);
    if (node.name().empty() && node.out_size() > 0) node.set_name(node.out(0));
    const std::string where = absl::StrCat(Loc(src, lines[i]), ": node '", node.name(), "' (", node.op(), ")");
    auto nerr = [&](const std::string& msg) { return absl::InvalidArgumentError(absl::StrCat(where, ": ", msg)); };
    if (node.op().empty()) return nerr("has no op");
    const OpDef* def = registry.Find(node.op());
    if (!def) {
      return absl::NotFoundError(absl::StrCat(where, ": unknown op '", node.op(), "'; registered ops: ",
                                              absl::StrJoin(registry.OpNames(), ", ")));
    }
    ops[i] = def;
    if (node.name().empty()) return nerr("has no name and no output");
    if (!node_names.insert(node.name()).second) return nerr("a node with this name is already defined");
    if (node.in_size() != static_cast<int>(def->inputs().size())) {
      std::vector<std::string> want;
      for (const auto& a : def->inputs()) want.push_back(a.name);
      return nerr(absl::StrCat("takes ", def->inputs().size(), " input(s) (", absl::StrJoin(want, ", "), ") but ",
                               node.in_size(), " were given"));
    }
    if (node.out_size() != static_cast<int>(def->outputs().size())) {
      std::vector<std::string> want;
      for (const auto& a : def->outputs()) want.push_back(a.name);
      return nerr(absl::StrCat("produces ", def->outputs().size(), " output(s) (", absl::StrJoin(want, ", "), ") but ",
                               node.out_size(), " were named"));
    }
    if (!node.block().empty() && !blocks.count(node.block())) {
      return nerr(absl::StrCat("belongs to block '", node.block(), "', which is not declared (add `block { name: \"",
                               node.block(), "\" }`)"));
    }
    // Attributes: known names, right types, defaults filled in, required ones present.
    std::vector<proto::Attr> resolved;
    absl::flat_hash_set<std::string> seen;
    for (const auto& a : node.attr()) {
      const AttrSpec* spec = nullptr;
      for (const auto& s : def->attrs()) {
        if (s.name == a.name()) spec = &s;
      }
      if (!spec) return nerr(absl::StrCat("unknown attribute '", a.name(), "'"));
      if (!seen.insert(a.name()).second) return nerr(absl::StrCat("attribute '", a.name(), "' is set twice"));
      if (!AttrHasType(a, spec->type)) {
        return nerr(absl::StrCat("attribute '", a.name(), "' must be a ", AttrTypeName(spec->type)));
      }
      resolved.push_back(a);
    }
    for (const auto& s : def->attrs()) {
      if (seen.count(s.name)) continue;
      if (!s.default_value) return nerr(absl::StrCat("missing required attribute '", s.name, "' (", AttrTypeName(s.type), ")"));
      resolved.push_back(*s.default_value);
    }
    attrs[i] = AttrView(std::move(resolved));
    for (int o = 0; o < node.out_size(); ++o) {
      const std::string& v = node.out(o);
      if (!ValidValueName(v)) return nerr(absl::StrCat("output ", o, " has an empty or malformed name '", v, "'"));
      if (g.values_.count(v) || producer.count(v)) return nerr(absl::StrCat("value '", v, "' is defined twice"));
      producer[v] = i;
    }
  }
  // Inputs must be defined somewhere.
  for (int i = 0; i < n; ++i) {
    const proto::Node& node = model.node(i);
    for (int k = 0; k < node.in_size(); ++k) {
      const std::string& v = node.in(k);
      if (!g.values_.count(v) && !producer.count(v)) {
        return absl::InvalidArgumentError(absl::StrCat(Loc(src, lines[i]), ": node '", node.name(), "' (", node.op(),
                                                       "): input ", k, " '", v,
                                                       "' is not defined by any input, parameter or node"));
      }
    }
  }
  for (const auto& o : model.output()) {
    if (!g.values_.count(o) && !producer.count(o)) return err(absl::StrCat("model output '", o, "' is not defined"));
  }

  // Topological order (Kahn), declaration order among ready nodes; leftovers form a cycle.
  std::vector<int> indegree(n, 0);
  std::vector<std::vector<int>> succ(n);
  for (int i = 0; i < n; ++i) {
    for (const auto& v : model.node(i).in()) {
      auto it = producer.find(v);
      if (it != producer.end()) {
        ++indegree[i];
        succ[it->second].push_back(i);
      }
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i) {
    if (indegree[i] == 0) ready.push(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int j : succ[i]) {
      if (--indegree[j] == 0) ready.push(j);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    std::vector<std::string> cyc;
    for (int i = 0; i < n; ++i) {
      if (indegree[i] > 0) cyc.push_back(absl::StrCat("'", model.node(i).name(), "' (line ", lines[i], ")"));
    }
    return err(absl::StrCat("the graph has a cycle through nodes ", absl::StrJoin(cyc, ", ")));
  }

  // Shape inference in topological order.
  for (int idx = 0; idx < n; ++idx) {
    const int i = order[idx];
    const proto::Node& node = model.node(i);
    const OpDef* def = ops[i];
    const std::string where = absl::StrCat(Loc(src, lines[i]), ": node '", node.name(), "' (", node.op(), ")");
    std::vector<ValueType> in_types;
    for (int k = 0; k < node.in_size(); ++k) {
      const ValueType& t = g.values_.at(node.in(k)).type;
      const auto& allowed = def->inputs()[k].dtypes;
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), t.dtype) == allowed.end()) {
        std::vector<std::string> names;
        for (DType d : allowed) names.push_back(DTypeName(d));
        return absl::InvalidArgumentError(absl::StrCat(where, ": input '", def->inputs()[k].name, "' ('", node.in(k),
                                                       "') has dtype ", DTypeName(t.dtype), ", expected ",
                                                       absl::StrJoin(names, " or ")));
      }
      in_types.push_back(t);
    }
    ShapeContext ctx(where, in_types, &attrs[i], node.out_size());
    RETURN_IF_ERROR(def->shape_fn()(ctx));
    for (int o = 0; o < node.out_size(); ++o) {
      const ValueType& t = ctx.outputs()[o];
      if (t.dtype == proto::DTYPE_UNSPECIFIED) {
        return absl::InternalError(absl::StrCat(where, ": shape function left output ", o, " untyped"));
      }
      auto count = ElementCount(t.shape);
      if (!count.ok()) return absl::OutOfRangeError(absl::StrCat(where, ": output '", node.out(o), "': ", count.status().message()));
      ValueInfo info;
      info.name = node.out(o);
      info.type = t;
      info.kind = ValueKind::kNodeOutput;
      info.producer = idx;
      info.output_index = o;
      g.values_.emplace(node.out(o), std::move(info));
      g.value_order_.push_back(node.out(o));
    }
  }
  for (int idx = 0; idx < n; ++idx) {
    const proto::Node& node = model.node(order[idx]);
    for (const auto& v : node.in()) g.values_.at(v).consumers.push_back(idx);
    g.nodes_.push_back(node);
    g.lines_.push_back(lines[order[idx]]);
    g.ops_.push_back(ops[order[idx]]);
    g.attrs_.push_back(attrs[order[idx]]);
  }
  g.model_ = std::move(model);
  return g;
}

}  // namespace nitro
