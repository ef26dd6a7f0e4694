#include "graph/infer.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/op_registry.h"
#include "graph/shape.h"
#include "graph/source_location.h"
#include "graph/status_macros.h"

namespace nitro {
namespace {

// A node the shape function must not see (unknown op, wrong arity or types): BuildGraph reports it.
absl::Status Stop() { return absl::CancelledError(); }

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t ISqrt128(__int128 n) {
  if (n <= 0) return 0;
  __int128 x = n, y = (n + 1) / 2;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2;
  }
  return static_cast<int64_t>(x);
}

// The bound of train/param_init (spec §5), for the saturation estimate only.
int64_t InitBound(const proto::Param& p, int64_t fan_in) {
  if (p.init().kind_case() == proto::Init::kUniformBound) return p.init().uniform_bound();
  if (p.init().kind_case() != proto::Init::kKaiming) return -1;
  const auto& k = p.init().kaiming();
  const int64_t gain = k.gain() > 0 ? k.gain() : 1372, cap = k.cap() > 0 ? k.cap() : 64;
  const int64_t root = ISqrt128(k.fan_in() > 0 ? k.fan_in() : fan_in);
  if (root == 0) return cap;
  return std::min(gain * 128 * 1732 / (root * 1000000), cap);
}

const proto::Attr* FindAttr(const proto::Node& n, absl::string_view name) {
  for (const auto& a : n.attr()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

void EraseAttr(proto::Node& n, absl::string_view name) {
  auto* attrs = n.mutable_attr();
  for (int i = attrs->size() - 1; i >= 0; --i) {
    if (attrs->Get(i).name() == name) attrs->DeleteSubrange(i, 1);
  }
}

bool IsWeightOp(const std::string& op) { return op == "Linear" || op == "Conv2D"; }

class Inferrer {
 public:
  Inferrer(proto::Model& model, std::vector<int>& lines, absl::string_view source)
      : model_(model), lines_(lines), source_(source) {}

  // Whether anything is left out that this pass derives.
  bool NeedsDerivation() const {
    for (const auto& n : model_.node()) {
      if (FindAttr(n, "units") || FindAttr(n, "filters") || FindAttr(n, "decoder_size")) return true;
    }
    for (int i = 0; i < model_.node_size(); ++i) {
      const auto& n = model_.node(i);
      if (n.op() == "Scale" && !FindAttr(n, "divisor") && n.in_size() == 1 && Producer(n.in(0)) >= 0 &&
          IsWeightOp(model_.node(Producer(n.in(0))).op())) {
        return true;
      }
    }
    return false;
  }

  absl::Status Run(std::vector<std::string>* warnings) {
    // A declared shape BuildGraph refuses (a zero dimension, too many elements) could overflow the
    // shape functions run here: leave such a model as written, and BuildGraph says what is wrong.
    for (const auto& in : model_.input()) {
      if (!CheckDeclaredShape(Shape(in.shape().begin(), in.shape().end())).ok()) return absl::OkStatus();
    }
    for (const auto& p : model_.param()) {
      if (!CheckDeclaredShape(Shape(p.shape().begin(), p.shape().end())).ok()) return absl::OkStatus();
    }
    for (const auto& in : model_.input()) {
      Shape s(in.shape().begin(), in.shape().end());
      if (in.role() != proto::SCALAR) s.insert(s.begin(), 1);
      types_[in.name()] = {in.dtype(), s};
    }
    for (int i = 0; i < model_.param_size(); ++i) params_[model_.param(i).name()] = i;
    std::vector<bool> done(model_.node_size(), false);
    for (bool progress = true; progress;) {
      progress = false;
      for (int i = 0; i < model_.node_size(); ++i) {
        if (done[i] || !Ready(model_.node(i))) continue;
        RETURN_IF_ERROR(Derive(i, warnings));
        const absl::Status typed = Propagate(i);
        if (absl::IsCancelled(typed)) return absl::OkStatus();  // invalid node: BuildGraph says why
        RETURN_IF_ERROR(typed);
        done[i] = progress = true;
      }
    }
    DropIdentityPools();
    return absl::OkStatus();
  }

 private:
  std::string Where(int i) const {
    proto::Node shown = model_.node(i);
    if (shown.name().empty() && shown.out_size() > 0) shown.set_name(shown.out(0));
    return NodeLocation(source_, i < static_cast<int>(lines_.size()) ? lines_[i] : 0, shown);
  }
  absl::Status Error(int i, absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(Where(i), ": ", message));
  }

  int Producer(const std::string& value) const {
    for (int i = 0; i < model_.node_size(); ++i) {
      for (const auto& o : model_.node(i).out()) {
        if (o == value) return i;
      }
    }
    return -1;
  }

  proto::Param* WeightParam(const proto::Node& n) {
    if (n.in_size() < 2) return nullptr;
    auto it = params_.find(n.in(1));
    return it == params_.end() ? nullptr : model_.mutable_param(it->second);
  }

  // Every input has a type, or is a parameter whose shape this node derives.
  bool Ready(const proto::Node& n) {
    for (int k = 0; k < n.in_size(); ++k) {
      if (types_.count(n.in(k))) continue;
      auto it = params_.find(n.in(k));
      if (it == params_.end()) return false;
      const auto& p = model_.param(it->second);
      if (p.shape_size() == 0 && !(k == 1 && (FindAttr(n, "units") || FindAttr(n, "filters")))) return false;
      if (p.shape_size() > 0)
        types_[p.name()] = {p.dtype() == proto::DTYPE_UNSPECIFIED ? proto::INT32 : p.dtype(),
                            Shape(p.shape().begin(), p.shape().end())};
    }
    return true;
  }

  absl::Status Derive(int i, std::vector<std::string>* warnings);
  absl::Status DeriveWeight(int i, const char* attr, Shape want);
  absl::Status DeriveDivisor(int i, std::vector<std::string>* warnings);
  absl::Status DerivePool(int i);
  absl::Status Propagate(int i);
  void DropIdentityPools();

  proto::Model& model_;
  std::vector<int>& lines_;
  std::string source_;
  std::map<std::string, ValueType> types_;
  std::map<std::string, int> params_;
  std::set<int> identity_pools_;
};

absl::Status Inferrer::Derive(int i, std::vector<std::string>* warnings) {
  proto::Node& n = *model_.mutable_node(i);
  const Shape x = n.in_size() > 0 && types_.count(n.in(0)) ? types_[n.in(0)].shape : Shape{};
  if (n.op() == "Linear" && FindAttr(n, "units")) {
    if (x.size() != 2) return Error(i, "`units` needs a [batch, features] input");
    return DeriveWeight(i, "units", {FindAttr(n, "units")->i(), x[1]});
  }
  if (n.op() == "Conv2D" && FindAttr(n, "filters")) {
    if (x.size() != 4) return Error(i, "`filters` needs a [batch, C, H, W] input");
    const proto::Attr* k = FindAttr(n, "kernel_size");
    const int64_t ks = k ? k->i() : 3;
    EraseAttr(n, "kernel_size");
    return DeriveWeight(i, "filters", {FindAttr(n, "filters")->i(), x[1], ks, ks});
  }
  if (n.op() == "Scale") return DeriveDivisor(i, warnings);
  if (n.op() == "MaxPool2D" && FindAttr(n, "decoder_size")) return DerivePool(i);
  return absl::OkStatus();
}

absl::Status Inferrer::DeriveWeight(int i, const char* attr, Shape want) {
  proto::Node& n = *model_.mutable_node(i);
  proto::Param* p = WeightParam(n);
  if (!p) return Error(i, absl::StrCat("`", attr, "` derives the shape of input 1, which must be a parameter"));
  for (int64_t d : want) {
    if (d <= 0)
      return Error(i, absl::StrCat("`", attr, "` gives a weight shape ", ShapeString(want),
                                   "; every dimension must be positive"));
  }
  const Shape have(p->shape().begin(), p->shape().end());
  if (!have.empty() && have != want) {
    return Error(i, absl::StrCat("parameter '", p->name(), "' is declared with shape ", ShapeString(have),
                                 ", but the node's `", attr, "` and its input give ", ShapeString(want),
                                 "; drop the explicit shape or correct one of them"));
  }
  if (have.empty()) {
    for (int64_t d : want) p->add_shape(d);
  }
  types_[p->name()] = {p->dtype() == proto::DTYPE_UNSPECIFIED ? proto::INT32 : p->dtype(), want};
  EraseAttr(n, attr);
  return absl::OkStatus();
}

absl::Status Inferrer::DeriveDivisor(int i, std::vector<std::string>* warnings) {
  proto::Node& n = *model_.mutable_node(i);
  const int prod = n.in_size() == 1 ? Producer(n.in(0)) : -1;
  if (prod < 0 || !IsWeightOp(model_.node(prod).op())) return absl::OkStatus();
  const proto::Param* w = WeightParam(model_.node(prod));
  if (!w || w->shape_size() < 2) return absl::OkStatus();
  auto count = ElementCount(Shape(w->shape().begin() + 1, w->shape().end()));
  if (!count.ok() || *count <= 0 || *count > std::numeric_limits<int64_t>::max() / kScaleBase) {
    return absl::OkStatus();  // BuildGraph reports the weight's shape
  }
  const int64_t fan_in = *count;
  const int64_t rule = kScaleBase * fan_in;
  const proto::Attr* given = FindAttr(n, "divisor");
  if (!given) {
    proto::Attr* a = n.add_attr();
    a->set_name("divisor");
    a->set_i(rule);
    return absl::OkStatus();
  }
  const int64_t b = InitBound(*w, fan_in);
  if (!warnings || given->value_case() != proto::Attr::kI || given->i() <= 0 || b <= 0) return absl::OkStatus();
  // Inputs spread over int8 (σ = 127/√3) and weights uniform in ±b (σ = b/√3): z has
  // σ = √fan_in·127·b/3, and a median |z| of 0.674σ. Above 127 × divisor, most outputs saturate.
  const int64_t sigma = ISqrt128(static_cast<__int128>(fan_in) * 127 * 127 * b * b / 9);
  const int64_t median = sigma * 674 / 1000;
  if (median / 127 < given->i()) return absl::OkStatus();
  warnings->push_back(
      absl::StrCat(Where(i), ": divisor ", given->i(), " is far below the NITRO-D rule 256 × fan-in = ", rule,
                   " (fan-in ", fan_in, "): with inputs spread over int8 and weights uniform in ±", b,
                   ", the median |input| is about ", median, ", so |input / ", given->i(),
                   "| > 127 and the output saturates for most inputs; leave the divisor out to get ", rule));
  return absl::OkStatus();
}

absl::Status Inferrer::DerivePool(int i) {
  proto::Node& n = *model_.mutable_node(i);
  const Shape x = types_[n.in(0)].shape;
  const proto::Attr* d = FindAttr(n, "decoder_size");
  if (x.size() != 4 || x[2] != x[3]) return Error(i, "`decoder_size` needs a square [batch, C, S, S] input");
  if (d->value_case() != proto::Attr::kI || d->i() <= 0) return Error(i, "`decoder_size` must be a positive integer");
  const HeadPoolShape hp = HeadPool(x[1], x[2], d->i());
  const std::vector<int64_t> kernel = {hp.kh, hp.kw}, pad = {hp.ph, hp.pw};
  for (auto [name, want] : {std::pair{"kernel", kernel}, std::pair{"pad", pad}}) {
    const proto::Attr* a = FindAttr(n, name);
    if (!a) {
      proto::Attr* add = n.add_attr();
      add->set_name(name);
      for (int64_t v : want) add->mutable_ints()->add_v(v);
    } else if (std::vector<int64_t>(a->ints().v().begin(), a->ints().v().end()) != want) {
      return Error(i, absl::StrCat("`", name, "` is given, but the head pooling rule for decoder size ", d->i(),
                                   " gives [", absl::StrJoin(want, ", "), "]; drop one of them"));
    }
  }
  EraseAttr(n, "decoder_size");
  if (hp.kh == 1 && hp.kw == 1) identity_pools_.insert(i);
  return absl::OkStatus();
}

// Types the outputs of node i with its op's shape function (after checks the function relies on).
absl::Status Inferrer::Propagate(int i) {
  const proto::Node& n = model_.node(i);
  const OpDef* def = OpRegistry::Global().Find(n.op());
  if (!def) return Stop();
  if (n.in_size() != static_cast<int>(def->inputs().size()) || !def->AcceptsOutputCount(n.out_size())) {
    return Stop();
  }
  std::vector<ValueType> in;
  for (int k = 0; k < n.in_size(); ++k) {
    const ValueType& t = types_[n.in(k)];
    const auto& allowed = def->inputs()[k].dtypes;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), t.dtype) == allowed.end()) {
      return Stop();
    }
    in.push_back(t);
  }
  std::vector<proto::Attr> attrs;
  int given = 0;
  for (const auto& spec : def->attrs()) {
    const proto::Attr* a = FindAttr(n, spec.name);
    const bool typed = a && ((spec.type == AttrType::kInt && a->value_case() == proto::Attr::kI) ||
                             (spec.type == AttrType::kInts && a->value_case() == proto::Attr::kInts) ||
                             (spec.type == AttrType::kString && a->value_case() == proto::Attr::kS) ||
                             (spec.type == AttrType::kDType && a->value_case() == proto::Attr::kDtype));
    if (a && !typed) return Stop();
    if (!a && !spec.default_value) return Stop();
    given += a ? 1 : 0;
    attrs.push_back(a ? *a : *spec.default_value);
  }
  if (given != n.attr_size()) return Stop();  // an unknown or repeated attribute
  AttrView view(std::move(attrs));
  ShapeContext ctx(Where(i), std::move(in), &view, n.out_size());
  RETURN_IF_ERROR(def->shape_fn()(ctx));
  for (int o = 0; o < n.out_size(); ++o) types_[n.out(o)] = ctx.outputs()[o];
  return absl::OkStatus();
}

// A head whose pooling rule needs no pooling reads the block output directly.
void Inferrer::DropIdentityPools() {
  for (auto it = identity_pools_.rbegin(); it != identity_pools_.rend(); ++it) {
    const std::string from = model_.node(*it).out(0), to = model_.node(*it).in(0);
    for (auto& n : *model_.mutable_node()) {
      for (auto& v : *n.mutable_in()) {
        if (v == from) v = to;
      }
    }
    for (auto& v : *model_.mutable_output()) {
      if (v == from) v = to;
    }
    model_.mutable_node()->DeleteSubrange(*it, 1);
    if (*it < static_cast<int>(lines_.size())) lines_.erase(lines_.begin() + *it);
  }
}

}  // namespace

HeadPoolShape HeadPool(int64_t channels, int64_t size, int64_t dmax) {
  HeadPoolShape r;
  int64_t sh = size, sw = size;
  r.d = channels * size * size;
  while (r.d > dmax && r.kh < size) {
    r.kh *= 2;
    sh = CeilDiv(size, r.kh);
    r.d = channels * sh * sw;
    if (r.d > dmax) {
      r.kw *= 2;
      sw = CeilDiv(size, r.kw);
      r.d = channels * sh * sw;
    }
  }
  if (r.kh > 1 || r.kw > 1) {
    r.ph = (r.kh * (sh - size / r.kh)) / 2;
    r.pw = (r.kw * (sw - size / r.kw)) / 2;
  }
  return r;
}

absl::Status InferOmitted(proto::Model& model, std::vector<int>& node_lines, absl::string_view source,
                          std::vector<std::string>* warnings) {
  Inferrer inferrer(model, node_lines, source);
  if (!inferrer.NeedsDerivation()) {
    // Nothing to derive: only look for warnings, on a copy; any problem is BuildGraph's to report.
    proto::Model copy = model;
    std::vector<int> lines = node_lines;
    std::vector<std::string> found;
    if (Inferrer(copy, lines, source).Run(&found).ok() && warnings) {
      warnings->insert(warnings->end(), found.begin(), found.end());
    }
    return absl::OkStatus();
  }
  return inferrer.Run(warnings);
}

}  // namespace nitro
