#include "graph/expand.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/source_location.h"
#include "graph/status_macros.h"

namespace nitro {
namespace {

// Calls that nest k deep with two calls each give 2^k nodes; stop long before memory runs out.
constexpr size_t kMaxExpandedNodes = 100000;

struct Expanded {
  std::vector<proto::Node> nodes;
  std::vector<int> lines;
  std::vector<proto::Param> params;
};

class Expander {
 public:
  Expander(const proto::Model& model, absl::string_view source) : model_(model), source_(source) {
    for (const auto& f : model.function()) functions_[f.name()] = &f;
  }

  bool IsCall(const proto::Node& node) const { return functions_.count(node.op()) > 0; }

  absl::Status Duplicates() const {
    std::set<std::string> seen;
    for (const auto& f : model_.function()) {
      if (!seen.insert(f.name()).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(source_, ": function '", f.name(), "' is defined twice (in this file or its imports)"));
      }
    }
    return absl::OkStatus();
  }

  // Appends the expansion of `call` (written at `line`) to `out`; `chain` is the calls it is inside.
  absl::Status Expand(const proto::Node& call, int line, std::vector<std::string> chain, Expanded& out) const {
    const proto::Function& fn = *functions_.at(call.op());
    const std::string prefix = !call.name().empty() ? call.name() : call.block();
    proto::Node shown = call;
    shown.set_name(prefix.empty() && call.out_size() > 0 ? call.out(0) : prefix);
    const std::string where = NodeLocation(source_, line, shown);
    if (std::find(chain.begin(), chain.end(), fn.name()) != chain.end()) {
      chain.push_back(fn.name());
      return absl::InvalidArgumentError(absl::StrCat(where, ": function '", fn.name(), "' is recursive (",
                                                     absl::StrJoin(chain, " → "),
                                                     "); a function may not call itself, directly or not"));
    }
    chain.push_back(fn.name());
    if (prefix.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a call of function '", fn.name(),
                       "' needs a `name` or a `block`: it prefixes the names it creates"));
    }
    if (call.in_size() != fn.input_size() || call.out_size() != fn.output_size()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": function '", fn.name(), "' takes ", fn.input_size(),
                                                     " input(s) and ", fn.output_size(), " output(s), the call gives ",
                                                     call.in_size(), " and ", call.out_size()));
    }
    ASSIGN_OR_RETURN(auto attrs, BindAttrs(call, fn, where));
    std::map<std::string, std::string> actual;
    for (int k = 0; k < fn.input_size(); ++k) actual[fn.input(k)] = call.in(k);
    for (int k = 0; k < fn.output_size(); ++k) actual[fn.output(k)] = call.out(k);
    auto rename = [&](const std::string& n) {
      auto it = actual.find(n);
      return it != actual.end() ? it->second : absl::StrCat(prefix, ".", n);
    };
    const std::string block = !call.block().empty() ? call.block() : prefix;
    for (proto::Param p : fn.param()) {
      p.set_name(rename(p.name()));
      RETURN_IF_ERROR(BindParamField(p.amp_attr(), attrs, fn, where, [&](int64_t v) { p.set_amp(v); }));
      RETURN_IF_ERROR(BindParamField(p.decay_inv_attr(), attrs, fn, where, [&](int64_t v) { p.set_decay_inv(v); }));
      p.clear_amp_attr();
      p.clear_decay_inv_attr();
      out.params.push_back(std::move(p));
    }
    for (proto::Node n : fn.node()) {
      if (!n.name().empty()) n.set_name(rename(n.name()));
      for (auto& v : *n.mutable_in()) v = rename(v);
      for (auto& v : *n.mutable_out()) v = rename(v);
      n.set_block(n.block().empty() ? block : rename(n.block()));
      for (auto& a : *n.mutable_attr()) {
        if (a.value_case() != proto::Attr::kRef) continue;
        auto it = attrs.find(a.ref());
        if (it == attrs.end()) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": in function '", fn.name(), "', attribute '",
                                                         a.name(), "' refers to '", a.ref(),
                                                         "', which is not an attribute of the function"));
        }
        a.set_i(it->second);
      }
      if (IsCall(n)) {
        RETURN_IF_ERROR(Expand(n, line, chain, out));
      } else {
        if (out.nodes.size() >= kMaxExpandedNodes) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": expanding function '", fn.name(),
                                                         "' gives more than ", kMaxExpandedNodes,
                                                         " nodes; is a function called in a loop?"));
        }
        out.nodes.push_back(std::move(n));
        out.lines.push_back(line);
      }
    }
    return absl::OkStatus();
  }

 private:
  // The value of every formal attribute: the call's, else the model's `attr`, else the default.
  absl::StatusOr<std::map<std::string, int64_t>> BindAttrs(const proto::Node& call, const proto::Function& fn,
                                                           const std::string& where) const {
    std::map<std::string, int64_t> attrs;
    std::vector<std::string> formals;
    for (const auto& f : fn.attr()) formals.push_back(f.name());
    for (const auto& a : call.attr()) {
      if (std::find(formals.begin(), formals.end(), a.name()) == formals.end()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": unknown attribute '", a.name(), "' for function '",
                                                       fn.name(), "' (its attributes: ", absl::StrJoin(formals, ", "),
                                                       ")"));
      }
      if (a.value_case() != proto::Attr::kI) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": attribute '", a.name(), "' of a function call must be an integer (i: N)"));
      }
      if (!attrs.emplace(a.name(), a.i()).second) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": attribute '", a.name(), "' is set twice"));
      }
    }
    for (const auto& f : fn.attr()) {
      if (attrs.count(f.name())) continue;
      const auto global = std::find_if(model_.attr().begin(), model_.attr().end(),
                                       [&](const proto::Attr& a) { return a.name() == f.name(); });
      if (global != model_.attr().end() && global->value_case() == proto::Attr::kI) {
        attrs[f.name()] = global->i();
      } else if (f.has_default_case() == proto::FormalAttr::kDefaultI) {
        attrs[f.name()] = f.default_i();
      } else {
        return absl::InvalidArgumentError(absl::StrCat(where, ": missing attribute '", f.name(), "' of function '",
                                                       fn.name(), "'; give it on the call as attr { name: \"", f.name(),
                                                       "\" i: N } (or model-wide, as a top-level attr)"));
      }
    }
    return attrs;
  }

  template <typename Set>
  static absl::Status BindParamField(const std::string& ref, const std::map<std::string, int64_t>& attrs,
                                     const proto::Function& fn, const std::string& where, Set set) {
    if (ref.empty()) return absl::OkStatus();
    auto it = attrs.find(ref);
    if (it == attrs.end()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": in function '", fn.name(), "', a parameter refers to '",
                                                     ref, "', which is not an attribute of the function"));
    }
    set(it->second);
    return absl::OkStatus();
  }

  const proto::Model& model_;
  std::string source_;
  std::map<std::string, const proto::Function*> functions_;
};

// A `ref` or `*_attr` outside a function body has nothing to refer to.
absl::Status CheckNoRefs(const proto::Model& model, const std::vector<int>& lines, absl::string_view source) {
  for (int i = 0; i < model.node_size(); ++i) {
    for (const auto& a : model.node(i).attr()) {
      if (a.value_case() == proto::Attr::kRef) {
        return absl::InvalidArgumentError(
            absl::StrCat(SourceLine(source, i < static_cast<int>(lines.size()) ? lines[i] : 0), ": attribute '",
                         a.name(), "' refers to '", a.ref(), "', but `ref` is only meaningful inside a function"));
      }
    }
  }
  for (const auto& p : model.param()) {
    if (!p.amp_attr().empty() || !p.decay_inv_attr().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": parameter '", p.name(), "' sets amp_attr/decay_inv_attr outside a function"));
    }
  }
  return absl::OkStatus();
}

// Declares the blocks that calls put nodes into and orders all blocks by first use.
void DeclareBlocks(proto::Model& model) {
  std::vector<proto::Block> declared(model.block().begin(), model.block().end());
  std::vector<proto::Block> ordered;
  std::set<std::string> placed;
  for (const auto& n : model.node()) {
    if (n.block().empty() || placed.count(n.block())) continue;
    placed.insert(n.block());
    auto it =
        std::find_if(declared.begin(), declared.end(), [&](const proto::Block& b) { return b.name() == n.block(); });
    proto::Block b;
    b.set_name(n.block());
    ordered.push_back(it != declared.end() ? *it : b);
  }
  for (const auto& b : declared) {
    if (!placed.count(b.name())) ordered.push_back(b);
  }
  model.clear_block();
  for (auto& b : ordered) *model.add_block() = std::move(b);
}

}  // namespace

absl::Status ExpandFunctions(proto::Model& model, std::vector<int>& node_lines, absl::string_view source) {
  Expander expander(model, source);
  RETURN_IF_ERROR(expander.Duplicates());
  bool any_call = false;
  Expanded out;
  for (int i = 0; i < model.node_size(); ++i) {
    const int line = i < static_cast<int>(node_lines.size()) ? node_lines[i] : 0;
    if (expander.IsCall(model.node(i))) {
      any_call = true;
      RETURN_IF_ERROR(expander.Expand(model.node(i), line, {}, out));
    } else {
      out.nodes.push_back(model.node(i));
      out.lines.push_back(line);
    }
  }
  if (any_call) {
    model.clear_node();
    for (auto& n : out.nodes) *model.add_node() = std::move(n);
    for (auto& p : out.params) *model.add_param() = std::move(p);
    node_lines = std::move(out.lines);
    DeclareBlocks(model);
  }
  RETURN_IF_ERROR(CheckNoRefs(model, node_lines, source));
  model.clear_function();
  model.clear_imports();
  model.clear_attr();
  return absl::OkStatus();
}

}  // namespace nitro
