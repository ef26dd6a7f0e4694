#include "deploy/c_emitter.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/op_registry.h"
#include "graph/status_macros.h"

namespace nitro::deploy {

void CDefinitions::Add(const std::string& key, std::string text, int64_t flash_bytes) {
  if (Has(key)) return;
  index_[key] = texts_.size();
  texts_.push_back(std::move(text));
  flash_bytes_ += flash_bytes;
}

std::string CDefinitions::Text() const { return absl::StrJoin(texts_, "\n"); }

CEmitContext::CEmitContext(const Graph& graph, int node, std::vector<COperand> inputs, std::vector<COperand> outputs,
                           std::vector<bool> outputs_used, Epilogue epilogue, CDefinitions* defs, CCode* code,
                           const OpRegistry* ops)
    : graph_(graph),
      node_(node),
      inputs_(std::move(inputs)),
      outputs_(std::move(outputs)),
      outputs_used_(std::move(outputs_used)),
      epilogue_(epilogue),
      defs_(defs),
      code_(code),
      ops_(ops != nullptr ? ops : &OpRegistry::Global()) {}

absl::Status CEmitContext::Error(absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(Where(), ": ", message));
}

absl::StatusOr<std::string> CEmitContext::Int8Table(absl::string_view op, const AttrView& attrs,
                                                    const std::string& name) {
  if (defs_->Has(name)) return name;
  const OpDef* def = ops_->Find(op);
  if (def == nullptr || !def->kernel() || def->inputs().size() != 1 || def->outputs().size() != 1) {
    return Error(
        absl::StrCat("cannot tabulate op '", op, "': it is not a registered op with one input and one output"));
  }
  Tensor in(kInt8, {256}), out(kInt8, {256});
  for (int v = -128; v < 128; ++v) in.Set(v + 128, v);
  KernelContext kc({&in}, {&out}, &attrs, /*training=*/false, /*rng=*/nullptr);
  absl::Status s = def->kernel()(kc);
  if (!s.ok()) return Error(absl::StrCat("tabulating op '", op, "': ", s.message()));
  defs_->Add(name,
             absl::StrCat("/* ", op, " of every int8 input v at index v + 128, as nitro's kernel computes it. */\n",
                          CConstArray(name, out, kInt8)),
             256);
  return name;
}

CEmitterRegistry& CEmitterRegistry::Global() {
  static CEmitterRegistry* registry = new CEmitterRegistry();
  return *registry;
}

void CEmitterRegistry::Register(CEmitter emitter) {
  const std::string op = emitter.op();
  if (emitters_.count(op)) {
    problems_.push_back(absl::StrCat("C emitter for op '", op, "' registered twice"));
    return;
  }
  if (!emitter.emit() && emitter.alias_of() < 0) {
    problems_.push_back(absl::StrCat("C emitter for op '", op, "' has neither SetEmit nor SetAliasOf"));
    return;
  }
  emitters_[op] = std::make_unique<CEmitter>(std::move(emitter));
}

const CEmitter* CEmitterRegistry::Find(absl::string_view op) const {
  auto it = emitters_.find(op);
  return it == emitters_.end() ? nullptr : it->second.get();
}

std::vector<std::string> CEmitterRegistry::OpNames() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : emitters_) out.push_back(name);
  return out;
}

absl::Status CEmitterRegistry::Validate() const {
  if (problems_.empty()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("C emitter registry: ", absl::StrJoin(problems_, "; ")));
}

std::string Int32Of(CDefinitions& defs, const std::string& acc) {
  defs.Add("nitro_i32",
           "/* The uint32_t sum v (modulo 2^32) as a two's-complement int32_t, without the implementation-defined\n"
           "   conversion of values >= 2^31; compilers reduce it to nothing. */\n"
           "static int32_t nitro_i32(uint32_t v) {\n"
           "  return v <= UINT32_C(0x7fffffff) ? (int32_t)v : (int32_t)(v - UINT32_C(0x80000000)) - "
           "INT32_C(0x7fffffff) - 1;\n"
           "}\n");
  return absl::StrCat("nitro_i32(", acc, ")");
}

std::string ScaleExpr(CDefinitions& defs, const std::string& z, int64_t divisor) {
  constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
  if (divisor > kMax32 + 1) return absl::StrCat("((void)(", z, "), 0)");  // |z| <= 2^31 < divisor
  if (divisor == kMax32 + 1) return absl::StrCat("((", z, ") == INT32_MIN ? -1 : 0)");
  defs.Add("nitro_clip127",
           "/* clip(q, -127, 127): NITRO Scaling's symmetric saturation; -128 is never produced. */\n"
           "static int32_t nitro_clip127(int32_t q) { return q < -127 ? -127 : (q > 127 ? 127 : q); }\n");
  // C99 division truncates toward zero, as nitro's TruncDiv; divisor > 0, so no INT32_MIN / -1.
  return absl::StrCat("nitro_clip127(", z, " / INT32_C(", divisor, "))");
}

absl::StatusOr<std::string> StoreAccumulator(CEmitContext& ctx, const Epilogue& e, const std::string& acc,
                                             const std::string& index) {
  if (e.divisor == 0) {
    if (!e.z || e.z->storage != kInt32) return ctx.Error("internal: an accumulator without an int32 home");
    return absl::StrCat(e.z->ptr, "[", index, "] = ", Int32Of(ctx.defs(), acc), ";");
  }
  if (!e.s && !e.a) return ctx.Error("internal: a fused Scale whose results go nowhere");
  std::string out =
      absl::StrCat("{ const int32_t sv = ", ScaleExpr(ctx.defs(), Int32Of(ctx.defs(), acc), e.divisor), ";");
  if (e.s) absl::StrAppend(&out, " ", e.s->ptr, "[", index, "] = (", e.s->ctype(), ")sv;");
  if (e.a) {
    AttrView relu_attrs({IntAttr("alpha_inv", e.alpha_inv)});
    ASSIGN_OR_RETURN(std::string table,
                     ctx.Int8Table("NitroRelu", relu_attrs, absl::StrCat("nitro_relu_table_a", e.alpha_inv)));
    absl::StrAppend(&out, " ", e.a->ptr, "[", index, "] = ", table, "[sv + 128];");
  }
  return absl::StrCat(out, " }");
}

}  // namespace nitro::deploy
