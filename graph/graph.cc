#include "graph/graph.h"

#include <algorithm>
#include <queue>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"

namespace nitro {

namespace {

bool ValidValueName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    // Control characters (NUL, escapes, DEL) would make error messages unreadable.
    if (c == ' ' || c == '"' || c == '\'' || (static_cast<unsigned char>(c) < 0x20) || c == 0x7f) return false;
  }
  return true;
}

// A declared (input or parameter) shape: every dimension at least 1 and at most 2^40 elements
// in all. Zero dimensions are rejected because ElementCount accepts e.g. [0, 2^40, 2^40] (product
// 0), whose other dimensions would overflow int64 in shape functions that multiply them (Flatten).
// With every declared dimension >= 1, every partial product is bounded by the checked total.
absl::Status CheckDeclaredShape(const Shape& shape) {
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 0) {
      return absl::InvalidArgumentError(absl::StrCat("dimension ", k, " of shape ", ShapeString(shape),
                                                     " is 0; every dimension must be positive"));
    }
  }
  auto count = ElementCount(shape);
  return count.ok() ? absl::OkStatus() : count.status();
}

// The attribute type of a value as written, for "must be ..., got ..." messages.
std::string GivenAttrType(const proto::Attr& a) {
  switch (a.value_case()) {
    case proto::Attr::kI: return AttrTypeName(AttrType::kInt);
    case proto::Attr::kInts: return AttrTypeName(AttrType::kInts);
    case proto::Attr::kS: return AttrTypeName(AttrType::kString);
    case proto::Attr::kDtype: return AttrTypeName(AttrType::kDType);
    case proto::Attr::VALUE_NOT_SET: break;
  }
  return "no value";
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
  // An empty file parses as a valid, empty Model; say so instead of returning an empty graph.
  if (model.node_size() == 0) return err("the model has no nodes");

  // Declared values: inputs and parameters.
  auto declare = [&](const std::string& name, ValueType type, ValueKind kind, const char* what) -> absl::Status {
    if (!ValidValueName(name)) {
      return err(absl::StrCat(what, " has an empty or malformed name '", absl::CHexEscape(name), "'"));
    }
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
    const absl::Status shape_ok = CheckDeclaredShape(shape);
    if (!shape_ok.ok()) return err(absl::StrCat("input '", in.name(), "': ", shape_ok.message()));
    RETURN_IF_ERROR(declare(in.name(), {in.dtype(), shape}, ValueKind::kInput, "input"));
  }
  for (auto& p : *model.mutable_param()) {
    if (p.dtype() == proto::DTYPE_UNSPECIFIED) p.set_dtype(kInt32);
    if (p.dtype() != kInt32) return err(absl::StrCat("parameter '", p.name(), "' must be INT32 (weights are int32, spec §2)"));
    Shape shape(p.shape().begin(), p.shape().end());
    if (shape.empty()) return err(absl::StrCat("parameter '", p.name(), "' has no shape"));
    const absl::Status shape_ok = CheckDeclaredShape(shape);
    if (!shape_ok.ok()) return err(absl::StrCat("parameter '", p.name(), "': ", shape_ok.message()));
    const int64_t count = NumElements(shape);
    if (p.init().kind_case() == proto::Init::kValues && p.init().values().v_size() != count) {
      return err(absl::StrCat("parameter '", p.name(), "': init has ", p.init().values().v_size(),
                              " values but the shape ", ShapeString(shape), " holds ", count));
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
        return nerr(absl::StrCat("attribute '", a.name(), "' must be of type ", AttrTypeName(spec->type), ", got ",
                                 GivenAttrType(a)));
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
      if (!ValidValueName(v)) return nerr(absl::StrCat("output ", o, " has an empty or malformed name '", absl::CHexEscape(v), "'"));
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
    // Name one actual cycle, not every leftover node (nodes downstream of a cycle are left over
    // too). Every leftover node has a leftover producer among its inputs, so walking producers
    // backwards from any leftover node must revisit a node; the revisited stretch is a cycle.
    int cur = 0;
    while (indegree[cur] == 0) ++cur;
    std::vector<int> path;
    std::vector<int> pos(n, -1);
    while (pos[cur] < 0) {
      pos[cur] = static_cast<int>(path.size());
      path.push_back(cur);
      for (const auto& v : model.node(cur).in()) {
        auto it = producer.find(v);
        if (it != producer.end() && indegree[it->second] > 0) {
          cur = it->second;
          break;
        }
      }
    }
    // path[k + 1] feeds path[k], and cur feeds path.back(): list the cycle in data-flow order.
    auto name = [&](int i) {
      return absl::StrCat("node '", model.node(i).name(), "'", lines[i] > 0 ? absl::StrCat(" (line ", lines[i], ")") : "");
    };
    std::vector<std::string> cyc = {name(cur)};
    for (int k = static_cast<int>(path.size()) - 1; k > pos[cur]; --k) cyc.push_back(name(path[k]));
    cyc.push_back(absl::StrCat("node '", model.node(cur).name(), "'"));
    return err(absl::StrCat("the graph has a cycle: ", absl::StrJoin(cyc, " -> ")));
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
  // A parameter no node reads would never be trained (nor used); it is almost always a typo.
  // Unused inputs are allowed: e.g. the `lr_inv` scalar is only read by the IntegerSGD nodes
  // that the local-gradient pass adds.
  for (const auto& p : model.param()) {
    if (g.values_.at(p.name()).consumers.empty()) {
      return err(absl::StrCat("parameter '", p.name(), "' is not used by any node"));
    }
  }
  g.model_ = std::move(model);
  return g;
}

}  // namespace nitro
