#include "graph/op_registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nitro {

OpRegistry& OpRegistry::Global() {
  static OpRegistry* registry = new OpRegistry();
  return *registry;
}

void OpRegistry::Register(OpDef def) {
  const std::string name = def.name();
  if (name.empty()) {
    problems_.push_back("an op was registered with an empty name");
    return;
  }
  if (ops_.count(name)) {
    problems_.push_back(absl::StrCat("op '", name, "' is registered twice"));
    return;
  }
  if (!def.shape_fn()) problems_.push_back(absl::StrCat("op '", name, "' has no shape function"));
  if (!def.kernel()) problems_.push_back(absl::StrCat("op '", name, "' has no kernel"));
  if (!def.grad() && !def.no_gradient()) {
    problems_.push_back(absl::StrCat("op '", name, "' has neither a gradient rule (SetGrad) nor NoGradient()"));
  }
  if (def.outputs().empty()) problems_.push_back(absl::StrCat("op '", name, "' declares no output"));
  ops_.emplace(name, std::make_unique<OpDef>(std::move(def)));
}

const OpDef* OpRegistry::Find(absl::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

std::vector<std::string> OpRegistry::OpNames() const {
  std::vector<std::string> names;
  for (const auto& [name, def] : ops_) names.push_back(name);
  return names;
}

absl::Status OpRegistry::Validate() const {
  if (problems_.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("op registry: ", absl::StrJoin(problems_, "; ")));
}

}  // namespace nitro
