#include "graph/graph.h"

#include <algorithm>
#include <queue>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/source_location.h"
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

// The attribute type of a value as written, for "must be ..., got ..." messages.
std::string GivenAttrType(const proto::Attr& a) {
  switch (a.value_case()) {
    case proto::Attr::kI:
      return AttrTypeName(AttrType::kInt);
    case proto::Attr::kInts:
      return AttrTypeName(AttrType::kInts);
    case proto::Attr::kS:
      return AttrTypeName(AttrType::kString);
    case proto::Attr::kDtype:
      return AttrTypeName(AttrType::kDType);
    case proto::Attr::kRef:
      return "a function attribute reference (ref)";
    case proto::Attr::VALUE_NOT_SET:
      break;
  }
  return "no value";
}

bool AttrHasType(const proto::Attr& a, AttrType t) {
  switch (t) {
    case AttrType::kInt:
      return a.value_case() == proto::Attr::kI;
    case AttrType::kInts:
      return a.value_case() == proto::Attr::kInts;
    case AttrType::kString:
      return a.value_case() == proto::Attr::kS;
    case AttrType::kDType:
      return a.value_case() == proto::Attr::kDtype;
  }
  return false;
}

// "a, b, c" of the argument names of an op's inputs or outputs, for arity messages.
std::string ArgNames(const std::vector<ArgSpec>& args) {
  std::vector<std::string> names;
  for (const auto& a : args) names.push_back(a.name);
  return absl::StrJoin(names, ", ");
}

}  // namespace

// The state BuildGraph's phases share. The phases run in a fixed order and each either returns
// the first problem it finds or establishes the invariant stated at its declaration; so of several
// problems in a model, the one reported is always the first in (phase, declaration) order.
// Indices `i` are positions in Model.node (declaration order); `idx` are positions in `order`.
struct Graph::Builder {
  Builder(proto::Model m, const BuildOptions& options, const OpRegistry& r)
      : model(std::move(m)), registry(r), n(model.node_size()), lines(n, 0), ops(n), attrs(n) {
    g.source_ = options.source;
    g.batch_size_ =
        options.batch_size > 0 ? options.batch_size : (model.train().batch_size() > 0 ? model.train().batch_size() : 1);
    for (int i = 0; i < n && i < static_cast<int>(options.node_lines.size()); ++i) lines[i] = options.node_lines[i];
  }

  // "<source>: msg".
  absl::Status Error(absl::string_view msg) const {
    return absl::InvalidArgumentError(absl::StrCat(g.source_, ": ", msg));
  }
  // "<source>:<line>: node 'n' (Op): msg" for node i.
  std::string Where(int i) const { return NodeLocation(g.source_, lines[i], model.node(i)); }
  absl::Status NodeError(int i, absl::string_view msg) const {
    return absl::InvalidArgumentError(absl::StrCat(Where(i), ": ", msg));
  }
  bool Defined(const std::string& v) const { return g.values_.count(v) > 0 || producer.count(v) > 0; }

  // Phase 1, declare values. Afterwards every input and parameter is in g.values_ (and in
  // g.value_order_, inputs first, in declaration order) with a valid name, a dtype and a checked
  // shape (inputs with the batch dimension prepended unless SCALAR); every parameter is INT32 and
  // its init values, if given, fill its shape. No name is declared twice.
  absl::Status DeclareInputs();
  absl::Status DeclareParams();
  absl::Status DeclareValue(const std::string& name, ValueType type, ValueKind kind, const char* what);

  // Phase 2, resolve nodes. Afterwards every block has a unique name and visits in [0, 8]; every
  // node has a name (its first output if unnamed), unique among nodes, a registered op (ops[i])
  // whose arity it matches, a declared block if any, and attrs[i] holding each of the op's
  // attributes exactly once with the declared type (defaults filled in, in the op's order after
  // the given ones); every node output is a new value with exactly one producer (SSA); every node
  // input and model output names a declared value.
  absl::Status DeclareBlocks();
  absl::Status ResolveNodes();
  absl::Status ResolveNode(int i, absl::flat_hash_set<std::string>& node_names);
  absl::Status ResolveAttrs(int i);
  absl::Status DeclareNodeOutputs(int i);
  absl::Status CheckReferencesDefined() const;

  // Phase 3, order. Afterwards `order` lists every node once, each after the producers of its
  // inputs; among nodes ready at the same time the one declared first comes first (Kahn's
  // algorithm with a min-heap). A cycle is reported by naming the nodes of one actual cycle.
  absl::Status OrderNodes();
  absl::Status DescribeCycle(const std::vector<int>& indegree) const;

  // Phase 4, infer shapes. Afterwards every node input has one of its op's allowed dtypes and every
  // node output is in g.values_ (appended to g.value_order_ in topological order) with the type
  // the op's shape function gives at the static batch size, at most 2^40 elements, and its producer
  // as a position in `order`.
  absl::Status InferShapes();
  absl::Status CheckInputDtypes(int i, std::vector<ValueType>* in_types) const;

  // Moves the nodes into g in topological order and records every value's consumers.
  void Assemble();
  // A parameter no node reads would never be trained (nor used); it is almost always a typo.
  // Unused inputs are allowed: e.g. the `lr_inv` scalar is only read by the IntegerSGD nodes
  // that the local-gradient pass adds. Needs Assemble (the consumers).
  absl::Status CheckParamsUsed() const;

  proto::Model model;
  const OpRegistry& registry;
  const int n;             // number of nodes
  std::vector<int> lines;  // 1-based source line of node i, 0 if unknown
  Graph g;                 // the result: source, batch size and values so far
  absl::flat_hash_set<std::string> blocks;
  absl::flat_hash_map<std::string, int> producer;  // node output value -> i of its node
  std::vector<const OpDef*> ops;                   // op of node i
  std::vector<AttrView> attrs;                     // resolved attributes of node i
  std::vector<int> order;                          // topological order of the i
};

absl::Status Graph::Builder::DeclareValue(const std::string& name, ValueType type, ValueKind kind, const char* what) {
  if (!ValidValueName(name)) {
    return Error(absl::StrCat(what, " has an empty or malformed name '", absl::CHexEscape(name), "'"));
  }
  if (g.values_.count(name)) return Error(absl::StrCat(what, " '", name, "' is defined twice"));
  ValueInfo info;
  info.name = name;
  info.type = std::move(type);
  info.kind = kind;
  g.values_.emplace(name, std::move(info));
  g.value_order_.push_back(name);
  return absl::OkStatus();
}

absl::Status Graph::Builder::DeclareInputs() {
  for (const auto& in : model.input()) {
    if (in.dtype() == proto::DTYPE_UNSPECIFIED) {
      return Error(absl::StrCat("input '", in.name(), "' has no dtype (add e.g. `dtype: INT8`)"));
    }
    Shape shape(in.shape().begin(), in.shape().end());
    if (in.role() != proto::SCALAR) shape.insert(shape.begin(), g.batch_size_);
    const absl::Status shape_ok = CheckDeclaredShape(shape);
    if (!shape_ok.ok()) return Error(absl::StrCat("input '", in.name(), "': ", shape_ok.message()));
    RETURN_IF_ERROR(DeclareValue(in.name(), {in.dtype(), shape}, ValueKind::kInput, "input"));
  }
  return absl::OkStatus();
}

absl::Status Graph::Builder::DeclareParams() {
  for (auto& p : *model.mutable_param()) {
    if (p.dtype() == proto::DTYPE_UNSPECIFIED) p.set_dtype(kInt32);
    if (p.dtype() != kInt32) {
      return Error(absl::StrCat("parameter '", p.name(), "' must be INT32 (weights are int32, spec §2)"));
    }
    Shape shape(p.shape().begin(), p.shape().end());
    if (shape.empty()) return Error(absl::StrCat("parameter '", p.name(), "' has no shape"));
    const absl::Status shape_ok = CheckDeclaredShape(shape);
    if (!shape_ok.ok()) return Error(absl::StrCat("parameter '", p.name(), "': ", shape_ok.message()));
    const int64_t count = NumElements(shape);
    if (p.init().kind_case() == proto::Init::kValues && p.init().values().v_size() != count) {
      return Error(absl::StrCat("parameter '", p.name(), "': init has ", p.init().values().v_size(),
                                " values but the shape ", ShapeString(shape), " holds ", count));
    }
    if (p.amp() < 0 || p.decay_inv() < 0) {
      return Error(absl::StrCat("parameter '", p.name(), "': amp and decay_inv must be >= 0"));
    }
    RETURN_IF_ERROR(DeclareValue(p.name(), {p.dtype(), shape}, ValueKind::kParam, "parameter"));
  }
  return absl::OkStatus();
}

absl::Status Graph::Builder::DeclareBlocks() {
  for (const auto& b : model.block()) {
    if (b.name().empty() || !blocks.insert(b.name()).second) {
      return Error(absl::StrCat("block '", b.name(), "' is empty-named or declared twice"));
    }
    if (b.visits() < 0 || b.visits() > 8)
      return Error(absl::StrCat("block '", b.name(), "': visits must be in [0, 8]"));
  }
  return absl::OkStatus();
}

absl::Status Graph::Builder::ResolveNodes() {
  absl::flat_hash_set<std::string> node_names;
  for (int i = 0; i < n; ++i) RETURN_IF_ERROR(ResolveNode(i, node_names));
  return CheckReferencesDefined();
}

// Node i's own checks, in the order its problems are reported: op, name, arity, block,
// attributes, outputs. Outputs are declared here, node by node, so that a value defined twice is
// reported at the second node that defines it.
absl::Status Graph::Builder::ResolveNode(int i, absl::flat_hash_set<std::string>& node_names) {
  proto::Node& node = *model.mutable_node(i);
  if (node.name().empty() && node.out_size() > 0) node.set_name(node.out(0));
  if (node.op().empty()) return NodeError(i, "has no op");
  const OpDef* def = registry.Find(node.op());
  if (!def) {
    return absl::NotFoundError(absl::StrCat(Where(i), ": unknown op '", node.op(),
                                            "'; registered ops: ", absl::StrJoin(registry.OpNames(), ", ")));
  }
  ops[i] = def;
  if (node.name().empty()) return NodeError(i, "has no name and no output");
  if (!node_names.insert(node.name()).second) return NodeError(i, "a node with this name is already defined");
  if (node.in_size() != static_cast<int>(def->inputs().size())) {
    return NodeError(i, absl::StrCat("takes ", def->inputs().size(), " input(s) (", ArgNames(def->inputs()), ") but ",
                                     node.in_size(), " were given"));
  }
  if (!def->AcceptsOutputCount(node.out_size())) {
    const std::string trailing =
        def->trailing_outputs().empty() ? "" : absl::StrCat(" and any number of ", def->trailing_outputs(), " outputs");
    return NodeError(i, absl::StrCat("produces ", def->outputs().size(), " output(s) (", ArgNames(def->outputs()), ")",
                                     trailing, " but ", node.out_size(), " were named"));
  }
  if (!node.block().empty() && !blocks.count(node.block())) {
    return NodeError(i, absl::StrCat("belongs to block '", node.block(),
                                     "', which is not declared (add `block { name: \"", node.block(), "\" }`)"));
  }
  RETURN_IF_ERROR(ResolveAttrs(i));
  return DeclareNodeOutputs(i);
}

// Known names, right types, each at most once; then the op's defaults for the ones not given,
// and an error for a required one missing.
absl::Status Graph::Builder::ResolveAttrs(int i) {
  const proto::Node& node = model.node(i);
  const OpDef& def = *ops[i];
  std::vector<proto::Attr> resolved;
  absl::flat_hash_set<std::string> seen;
  for (const auto& a : node.attr()) {
    const AttrSpec* spec = nullptr;
    for (const auto& s : def.attrs()) {
      if (s.name == a.name()) spec = &s;
    }
    if (!spec) return NodeError(i, absl::StrCat("unknown attribute '", a.name(), "'"));
    if (!seen.insert(a.name()).second) return NodeError(i, absl::StrCat("attribute '", a.name(), "' is set twice"));
    if (!AttrHasType(a, spec->type)) {
      return NodeError(i, absl::StrCat("attribute '", a.name(), "' must be of type ", AttrTypeName(spec->type),
                                       ", got ", GivenAttrType(a)));
    }
    resolved.push_back(a);
  }
  for (const auto& s : def.attrs()) {
    if (seen.count(s.name)) continue;
    if (!s.default_value) {
      return NodeError(i, absl::StrCat("missing required attribute '", s.name, "' (", AttrTypeName(s.type), ")"));
    }
    resolved.push_back(*s.default_value);
  }
  attrs[i] = AttrView(std::move(resolved));
  return absl::OkStatus();
}

absl::Status Graph::Builder::DeclareNodeOutputs(int i) {
  const proto::Node& node = model.node(i);
  for (int o = 0; o < node.out_size(); ++o) {
    const std::string& v = node.out(o);
    if (!ValidValueName(v)) {
      return NodeError(i, absl::StrCat("output ", o, " has an empty or malformed name '", absl::CHexEscape(v), "'"));
    }
    if (Defined(v)) return NodeError(i, absl::StrCat("value '", v, "' is defined twice"));
    producer[v] = i;
  }
  return absl::OkStatus();
}

absl::Status Graph::Builder::CheckReferencesDefined() const {
  for (int i = 0; i < n; ++i) {
    const proto::Node& node = model.node(i);
    for (int k = 0; k < node.in_size(); ++k) {
      if (!Defined(node.in(k))) {
        return NodeError(
            i, absl::StrCat("input ", k, " '", node.in(k), "' is not defined by any input, parameter or node"));
      }
    }
  }
  for (const auto& o : model.output()) {
    if (!Defined(o)) return Error(absl::StrCat("model output '", o, "' is not defined"));
  }
  return absl::OkStatus();
}

absl::Status Graph::Builder::OrderNodes() {
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
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int j : succ[i]) {
      if (--indegree[j] == 0) ready.push(j);
    }
  }
  // The nodes left over (indegree > 0) are on a cycle or downstream of one.
  return static_cast<int>(order.size()) == n ? absl::OkStatus() : DescribeCycle(indegree);
}

// Names one actual cycle, not every leftover node (nodes downstream of a cycle are left over
// too). Every leftover node has a leftover producer among its inputs, so walking producers
// backwards from any leftover node must revisit a node; the revisited stretch is a cycle.
absl::Status Graph::Builder::DescribeCycle(const std::vector<int>& indegree) const {
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
    return absl::StrCat("node '", model.node(i).name(), "'",
                        lines[i] > 0 ? absl::StrCat(" (line ", lines[i], ")") : "");
  };
  std::vector<std::string> cycle = {name(cur)};
  for (int k = static_cast<int>(path.size()) - 1; k > pos[cur]; --k) cycle.push_back(name(path[k]));
  cycle.push_back(absl::StrCat("node '", model.node(cur).name(), "'"));
  return Error(absl::StrCat("the graph has a cycle: ", absl::StrJoin(cycle, " -> ")));
}

absl::Status Graph::Builder::CheckInputDtypes(int i, std::vector<ValueType>* in_types) const {
  const proto::Node& node = model.node(i);
  const OpDef& def = *ops[i];
  for (int k = 0; k < node.in_size(); ++k) {
    const ValueType& t = g.values_.at(node.in(k)).type;
    const auto& allowed = def.inputs()[k].dtypes;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), t.dtype) == allowed.end()) {
      std::vector<std::string> names;
      for (DType d : allowed) names.push_back(DTypeName(d));
      return NodeError(i, absl::StrCat("input '", def.inputs()[k].name, "' ('", node.in(k), "') has dtype ",
                                       DTypeName(t.dtype), ", expected ", absl::StrJoin(names, " or ")));
    }
    in_types->push_back(t);
  }
  return absl::OkStatus();
}

absl::Status Graph::Builder::InferShapes() {
  for (int idx = 0; idx < n; ++idx) {
    const int i = order[idx];
    const proto::Node& node = model.node(i);
    std::vector<ValueType> in_types;
    RETURN_IF_ERROR(CheckInputDtypes(i, &in_types));
    const std::string where = Where(i);
    ShapeContext ctx(where, std::move(in_types), &attrs[i], node.out_size());
    RETURN_IF_ERROR(ops[i]->shape_fn()(ctx));
    for (int o = 0; o < node.out_size(); ++o) {
      const ValueType& t = ctx.outputs()[o];
      if (t.dtype == proto::DTYPE_UNSPECIFIED) {
        return absl::InternalError(absl::StrCat(where, ": shape function left output ", o, " untyped"));
      }
      auto count = ElementCount(t.shape);
      if (!count.ok()) {
        return absl::OutOfRangeError(absl::StrCat(where, ": output '", node.out(o), "': ", count.status().message()));
      }
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
  return absl::OkStatus();
}

void Graph::Builder::Assemble() {
  for (int idx = 0; idx < n; ++idx) {
    const int i = order[idx];
    const proto::Node& node = model.node(i);
    for (const auto& v : node.in()) g.values_.at(v).consumers.push_back(idx);
    g.nodes_.push_back(node);
    g.lines_.push_back(lines[i]);
    g.ops_.push_back(ops[i]);
    g.attrs_.push_back(attrs[i]);
  }
}

absl::Status Graph::Builder::CheckParamsUsed() const {
  for (const auto& p : model.param()) {
    if (g.values_.at(p.name()).consumers.empty()) {
      return Error(absl::StrCat("parameter '", p.name(), "' is not used by any node"));
    }
  }
  return absl::OkStatus();
}

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

std::string Graph::Where(int node) const { return NodeLocation(source_, lines_[node], nodes_[node]); }

absl::StatusOr<Graph> BuildGraph(proto::Model model, const BuildOptions& options) {
  const OpRegistry& registry = options.registry ? *options.registry : OpRegistry::Global();
  RETURN_IF_ERROR(registry.Validate());
  Graph::Builder b(std::move(model), options, registry);
  // An empty file parses as a valid, empty Model; say so instead of returning an empty graph.
  if (b.n == 0) return b.Error("the model has no nodes");
  RETURN_IF_ERROR(b.DeclareInputs());
  RETURN_IF_ERROR(b.DeclareParams());
  RETURN_IF_ERROR(b.DeclareBlocks());
  RETURN_IF_ERROR(b.ResolveNodes());
  RETURN_IF_ERROR(b.OrderNodes());
  RETURN_IF_ERROR(b.InferShapes());
  b.Assemble();
  RETURN_IF_ERROR(b.CheckParamsUsed());
  b.g.model_ = std::move(b.model);
  return std::move(b.g);
}

}  // namespace nitro
