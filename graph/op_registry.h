// The process-wide table of ops. Ops register themselves from static initialisers; problems
// (duplicate names, missing kernels or shape functions, no gradient decision) are collected and
// reported as a Status by Validate(), never by crashing during static initialisation.
#ifndef NITRO_GRAPH_OP_REGISTRY_H_
#define NITRO_GRAPH_OP_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "graph/op_def.h"

namespace nitro {

class OpRegistry {
 public:
  static OpRegistry& Global();

  // Adds an op. A problem is remembered and reported by Validate().
  void Register(OpDef def);
  // The op, or null.
  const OpDef* Find(absl::string_view name) const;
  std::vector<std::string> OpNames() const;
  // OK, or every registration problem seen so far.
  absl::Status Validate() const;

 private:
  std::map<std::string, std::unique_ptr<OpDef>, std::less<>> ops_;
  std::vector<std::string> problems_;
};

struct OpRegistrar {
  explicit OpRegistrar(OpDef def) { OpRegistry::Global().Register(std::move(def)); }
};

#define NITRO_REGISTER_OP_CONCAT_INNER_(a, b) a##b
#define NITRO_REGISTER_OP_CONCAT_(a, b) NITRO_REGISTER_OP_CONCAT_INNER_(a, b)
// Registers an OpDef at static-initialisation time. Put it in a cc_library with alwayslink = True.
#define NITRO_REGISTER_OP(def) \
  static ::nitro::OpRegistrar NITRO_REGISTER_OP_CONCAT_(nitro_op_registrar_, __COUNTER__)(def)

}  // namespace nitro

#endif  // NITRO_GRAPH_OP_REGISTRY_H_
