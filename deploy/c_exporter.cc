#include "deploy/c_exporter.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "base/numbers.h"
#include "deploy/memory_plan.h"
#include "graph/status_macros.h"

namespace nitro::deploy {
namespace {

// One computing step of predict(): a node, and the Scale / NitroRelu nodes fused into its
// accumulator (SetFusesScaleRelu emitters), which then have no step of their own.
struct Step {
  int node = -1;
  int scale = -1;
  int relu = -1;
  const CEmitter* emitter = nullptr;
};

// Where a value's elements live in the generated C.
enum class Home { kNone, kInput, kParam, kLogits, kScratch };

struct Place {
  Home home = Home::kNone;
  int request = -1;  // kScratch: index into the buffer requests
};

// Text for a C comment: "*/" cannot end it early, and only ASCII ("±" becomes "+/-").
std::string CommentText(absl::string_view text) {
  std::string s = absl::StrReplaceAll(text, {{"*/", "* /"}, {"\xc2\xb1", "+/-"}});
  for (char& c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  }
  return s;
}

std::string PoolName(DType dtype) { return absl::StrCat("scratch_", DTypeName(dtype)); }

std::string StoredAs(const std::map<DType, int64_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [dtype, n] : counts) parts.push_back(absl::StrCat(CTypeOf(dtype), ": ", WithThousands(n)));
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

class Exporter {
 public:
  Exporter(const Graph& g, const ParamMap& params, const CExportOptions& o)
      : g_(g), params_(params), o_(o), emitters_(o.emitters != nullptr ? *o.emitters : CEmitterRegistry::Global()) {}

  absl::StatusOr<CExport> Run();

 private:
  absl::Status CheckInterface();
  absl::Status PlanSteps();
  int SoleConsumer(const std::string& value, absl::string_view op) const;
  std::string Root(std::string value) const;
  void PlaceValues();
  void ExtendLifetimes();
  absl::Status DefineWeights();
  COperand Operand(const std::string& value) const;
  absl::Status EmitStep(const Step& step, CCode* body);
  absl::StatusOr<std::string> EmitBody();
  std::string StepComment(const Step& step) const;
  std::string CommentHeader(absl::string_view file) const;
  std::string HeaderFile() const;
  std::string SourceFile(const std::string& body) const;
  std::string Signature() const;

  const Graph& g_;
  const ParamMap& params_;
  const CExportOptions& o_;
  const CEmitterRegistry& emitters_;
  std::string name_, upper_;
  std::string input_, output_;
  std::vector<Step> steps_;
  std::vector<int> step_of_node_;             // -1 for alias nodes
  std::map<std::string, std::string> alias_;  // alias value -> the value whose elements it is
  std::map<std::string, Place> places_;       // per root value
  std::vector<BufferRequest> requests_;
  std::vector<std::string> request_values_;
  MemoryPlan plan_;
  std::map<std::string, std::pair<std::string, DType>> weights_;  // parameter -> (C array, storage)
  CDefinitions defs_;
  CExportStats stats_;
};

absl::Status Exporter::CheckInterface() {
  const std::string where = absl::StrCat(g_.source(), ": ");
  if (g_.batch_size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "the C exporter needs the graph at batch size 1, got ", g_.batch_size()));
  }
  if (g_.model().input_size() != 1 || g_.model().output_size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(where, "the C exporter needs one input and one output; the ",
                                                   "inference graph has ", g_.model().input_size(), " inputs and ",
                                                   g_.model().output_size(), " outputs"));
  }
  input_ = g_.model().input(0).name();
  output_ = g_.model().output(0);
  for (const std::string& name : g_.value_names()) {
    if (NumElements(g_.value(name).type.shape) >= (int64_t{1} << 31)) {
      return absl::InvalidArgumentError(absl::StrCat(where, "value '", name, "' has 2^31 elements or more, beyond ",
                                                     "the int32 indices of the generated C"));
    }
  }
  const ValueType& in = g_.value(input_).type;
  const ValueType& out = g_.value(output_).type;
  stats_.input_dtype = in.dtype;
  stats_.output_dtype = out.dtype;
  stats_.input_shape.assign(in.shape.begin() + (in.shape.empty() ? 0 : 1), in.shape.end());
  stats_.input_size = NumElements(in.shape);
  stats_.output_size = NumElements(out.shape);
  name_ = CIdentifier(o_.name.empty() ? g_.model().name() : o_.name);
  upper_ = absl::AsciiStrToUpper(name_);
  return emitters_.Validate();
}

int Exporter::SoleConsumer(const std::string& value, absl::string_view op) const {
  const ValueInfo& v = g_.value(value);
  if (value == output_ || v.consumers.empty()) return -1;
  const int c = v.consumers[0];
  for (int other : v.consumers) {
    if (other != c) return -1;
  }
  const proto::Node& n = g_.nodes()[c];
  return n.op() == op && n.in_size() == 1 && n.in(0) == value ? c : -1;
}

absl::Status Exporter::PlanSteps() {
  const int n = static_cast<int>(g_.nodes().size());
  step_of_node_.assign(n, -1);
  std::vector<bool> fused(n, false);
  for (int i = 0; i < n; ++i) {
    if (fused[i]) continue;
    const proto::Node& node = g_.nodes()[i];
    const CEmitter* e = emitters_.Find(node.op());
    if (e == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          g_.Where(i), ": op '", node.op(), "' has no C emitter, so `nitro export-c` cannot write it as C; ",
          "register one with NITRO_REGISTER_C_EMITTER next to the op's kernel and link it in (docs/deploy.md)"));
    }
    if (e->alias_of() >= 0) {
      if (e->alias_of() >= node.in_size() || node.out_size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(g_.Where(i), ": the C emitter aliases input ", e->alias_of(),
                                                       " but the node has ", node.in_size(), " inputs and ",
                                                       node.out_size(), " outputs"));
      }
      alias_[node.out(0)] = node.in(e->alias_of());
      continue;
    }
    Step step{i, -1, -1, e};
    if (e->fuses_scale_relu() && node.out_size() == 1) {
      step.scale = SoleConsumer(node.out(0), "Scale");
      if (step.scale >= 0) step.relu = SoleConsumer(g_.nodes()[step.scale].out(0), "NitroRelu");
    }
    for (int k : {step.node, step.scale, step.relu}) {
      if (k < 0) continue;
      fused[k] = true;
      step_of_node_[k] = static_cast<int>(steps_.size());
    }
    steps_.push_back(step);
  }
  stats_.steps = static_cast<int>(steps_.size());
  return absl::OkStatus();
}

std::string Exporter::Root(std::string value) const {
  for (auto it = alias_.find(value); it != alias_.end(); it = alias_.find(value)) value = it->second;
  return value;
}

// Gives every value a home. Accumulators and Scale results consumed only inside their fused
// step, and unused outputs of SetOptionalOutputs emitters, get none.
void Exporter::PlaceValues() {
  std::set<std::string> read = {Root(output_)};
  for (const Step& st : steps_) {
    for (int k : {st.node, st.scale, st.relu}) {
      if (k >= 0) {
        for (const auto& in : g_.nodes()[k].in()) read.insert(Root(in));
      }
    }
  }
  for (const std::string& name : g_.value_names()) {
    if (alias_.count(name)) continue;
    const ValueInfo& v = g_.value(name);
    Place& p = places_[name];
    if (v.kind != ValueKind::kNodeOutput) {
      p.home = v.kind == ValueKind::kInput ? Home::kInput : Home::kParam;
      continue;
    }
    const int s = step_of_node_[v.producer];
    const Step& st = steps_[s];
    const bool fused_away =
        (st.scale >= 0 && name == g_.nodes()[st.node].out(0)) || (st.relu >= 0 && name == g_.nodes()[st.scale].out(0));
    const bool unused = !read.count(name) && st.emitter->optional_outputs();
    if (fused_away || unused) continue;
    if (name == output_) {
      p.home = Home::kLogits;
      continue;
    }
    p.home = Home::kScratch;
    p.request = static_cast<int>(requests_.size());
    requests_.push_back({v.type.dtype, NumElements(v.type.shape), s, s});
    request_values_.push_back(name);
  }
  ExtendLifetimes();
  plan_ = PlanBuffers(requests_);
  stats_.scratch_elements = plan_.pool_elements;
  stats_.scratch_bytes = plan_.bytes();
}

// A scratch buffer lives until its last reader's step (through aliases); the output's storage
// until the end, when it is copied to `logits`.
void Exporter::ExtendLifetimes() {
  for (int s = 0; s < static_cast<int>(steps_.size()); ++s) {
    for (int k : {steps_[s].node, steps_[s].scale, steps_[s].relu}) {
      if (k < 0) continue;
      for (const auto& in : g_.nodes()[k].in()) {
        const Place& p = places_[Root(in)];
        if (p.home == Home::kScratch) requests_[p.request].last = std::max(requests_[p.request].last, s);
      }
    }
  }
  const Place& out = places_[Root(output_)];
  if (out.home == Home::kScratch) requests_[out.request].last = static_cast<int>(steps_.size());
}

absl::Status Exporter::DefineWeights() {
  std::set<std::string> used_names;
  for (const proto::Param& p : g_.model().param()) {
    auto it = params_.find(p.name());
    const ValueType& want = g_.value(p.name()).type;
    if (it == params_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(g_.source(), ": no tensor for parameter '", p.name(), "'"));
    }
    const Tensor& t = it->second;
    if (t.dtype() != want.dtype || t.shape() != want.shape || t.size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          g_.source(), ": parameter '", p.name(), "' is ", DTypeName(t.dtype()), " ", ShapeString(t.shape()),
          ", the graph needs ", DTypeName(want.dtype), " ", ShapeString(want.shape)));
    }
    std::string array = absl::StrCat("w_", CIdentifier(p.name()));
    while (!used_names.insert(array).second) absl::StrAppend(&array, "_");
    const DType as = NarrowestDType(t);
    const int64_t bytes = t.size() * DTypeSize(as);
    defs_.Add(array,
              absl::StrCat("/* Parameter ", CommentText(p.name()), ": ", DTypeName(t.dtype()), " ",
                           ShapeString(t.shape()), ", stored as ", CTypeOf(as), ". */\n", CConstArray(array, t, as)),
              bytes);
    weights_[p.name()] = {array, as};
    stats_.parameters += t.size();
    stats_.parameters_stored_as[as] += t.size();
    stats_.weight_bytes += bytes;
  }
  return absl::OkStatus();
}

COperand Exporter::Operand(const std::string& value) const {
  const std::string root = Root(value);
  const Place& p = places_.at(root);
  COperand op;
  op.type = g_.value(value).type;
  op.storage = g_.value(root).type.dtype;
  switch (p.home) {
    case Home::kInput:
      op.ptr = "input";
      break;
    case Home::kLogits:
      op.ptr = "logits";
      break;
    case Home::kParam:
      op.ptr = weights_.at(root).first;
      op.storage = weights_.at(root).second;
      break;
    case Home::kScratch: {
      const int64_t offset = plan_.offsets[p.request];
      op.ptr = offset == 0 ? PoolName(op.storage) : absl::StrCat("(", PoolName(op.storage), " + ", offset, ")");
      break;
    }
    case Home::kNone:
      break;
  }
  return op;
}

std::string Exporter::StepComment(const Step& st) const {
  std::vector<std::string> parts;
  for (int k : {st.node, st.scale, st.relu}) {
    if (k < 0) continue;
    const proto::Node& n = g_.nodes()[k];
    parts.push_back(absl::StrCat(absl::StrJoin(n.out(), ", "), " = ", n.op(), "(", absl::StrJoin(n.in(), ", "), ")"));
  }
  return absl::StrCat("/* ", CommentText(absl::StrJoin(parts, "; ")), " */");
}

absl::Status Exporter::EmitStep(const Step& st, CCode* body) {
  const proto::Node& node = g_.nodes()[st.node];
  std::vector<COperand> inputs, outputs;
  std::vector<bool> used;
  for (const auto& in : node.in()) inputs.push_back(Operand(in));
  for (const auto& out : node.out()) {
    outputs.push_back(Operand(out));
    used.push_back(!outputs.back().ptr.empty());
  }
  Epilogue e;
  if (st.emitter->fuses_scale_relu()) {
    if (st.scale < 0) {
      e.z = outputs[0];
    } else {
      e.divisor = g_.attrs(st.scale).GetInt("divisor");
      if (st.relu >= 0) {
        e.alpha_inv = g_.attrs(st.relu).GetInt("alpha_inv");
        e.a = Operand(g_.nodes()[st.relu].out(0));
      } else {
        e.s = Operand(g_.nodes()[st.scale].out(0));
      }
    }
  }
  CCode code;
  CEmitContext ctx(g_, st.node, std::move(inputs), std::move(outputs), std::move(used), std::move(e), &defs_, &code,
                   o_.ops);
  RETURN_IF_ERROR(st.emitter->emit()(ctx));
  body->Line(StepComment(st));
  body->Open("");
  body->Append(code);
  body->Close();
  return absl::OkStatus();
}

absl::StatusOr<std::string> Exporter::EmitBody() {
  CCode body;
  body.Open(Signature());
  body.Line("(void)input;  /* a model may ignore its input; no warning then */");
  for (const Step& st : steps_) RETURN_IF_ERROR(EmitStep(st, &body));
  const COperand out = Operand(output_);
  if (out.ptr != "logits") {
    body.Line("/* the output is another value's storage: copy it */");
    body.Line(absl::StrCat("for (int32_t n = 0; n < ", stats_.output_size, "; ++n) logits[n] = (",
                           CTypeOf(stats_.output_dtype), ")", out.ptr, "[n];"));
  }
  body.Open("");
  body.Line("int best = 0;  /* the first largest logit, as nitro eval's argmax */");
  body.Line(absl::StrCat("for (int32_t k = 1; k < ", stats_.output_size,
                         "; ++k) if (logits[k] > logits[best]) best = (int)k;"));
  body.Line("return best;");
  body.Close();
  body.Close();
  return body.str();
}

std::string Exporter::Signature() const {
  return absl::StrCat("int nitro_", name_, "_predict(const ", CTypeOf(stats_.input_dtype), " *input, ",
                      CTypeOf(stats_.output_dtype), " *logits)");
}

std::string Exporter::CommentHeader(absl::string_view file) const {
  const proto::Model& m = g_.model();
  std::vector<std::string> lines = {
      absl::StrCat(file, ": generated by `nitro export-c`; do not edit."),
      "",
      absl::StrCat("model        ", m.name(), m.doc().empty() ? "" : absl::StrCat(": ", m.doc())),
  };
  for (const auto& note : o_.notes) lines.push_back(absl::StrCat("             ", note));
  lines.push_back(absl::StrCat("parameters   ", WithThousands(stats_.parameters), " (stored as ",
                               StoredAs(stats_.parameters_stored_as), ")"));
  lines.push_back(absl::StrCat("flash        ", WithThousands(stats_.flash_bytes()),
                               " bytes of constant data (weights ", WithThousands(stats_.weight_bytes),
                               ", lookup tables ", WithThousands(stats_.table_bytes), "), plus code"));
  lines.push_back(absl::StrCat("scratch RAM  ", WithThousands(stats_.scratch_bytes), " bytes of static arrays (",
                               StoredAs(stats_.scratch_elements), " elements); no heap; a few locals on the stack"));
  lines.push_back(absl::StrCat("compute      ", WithThousands(stats_.macs), " multiply-accumulates per sample in ",
                               stats_.steps, " steps"));
  lines.push_back(absl::StrCat("interface    input ", CTypeOf(stats_.input_dtype), " ", ShapeString(stats_.input_shape),
                               ", logits ", CTypeOf(stats_.output_dtype), " [", stats_.output_size, "]"));
  lines.push_back("");
  lines.push_back("Integer semantics are nitro's, bit for bit: sums wrap modulo 2^32 in uint32_t arithmetic,");
  lines.push_back("divisions truncate toward zero, NITRO Scaling saturates to [-127, 127], NITRO-ReLU is a table");
  lines.push_back("made by nitro's own kernel. Freestanding C99: only <stdint.h>; no float, double, heap or calls.");
  std::string out = "/*";
  for (const auto& l : lines) absl::StrAppend(&out, l.empty() ? "\n *" : absl::StrCat("\n * ", CommentText(l)));
  return absl::StrCat(out, "\n */\n");
}

std::string Exporter::HeaderFile() const {
  const std::string guard = absl::StrCat("NITRO_", upper_, "_H_");
  const std::string macro = absl::StrCat("NITRO_", upper_);
  return absl::StrCat(
      CommentHeader(absl::StrCat(name_, ".h")), "#ifndef ", guard, "\n#define ", guard, "\n\n#include <stdint.h>\n\n",
      "/* One sample: ", CTypeOf(stats_.input_dtype), " ", ShapeString(stats_.input_shape),
      " in row-major order, preprocessed as in training. */\n", "#define ", macro, "_INPUT_SIZE ", stats_.input_size,
      "\n/* The logits: ", CTypeOf(stats_.output_dtype), ". */\n#define ", macro, "_OUTPUT_SIZE ", stats_.output_size,
      "\n#define ", macro, "_FLASH_BYTES ", stats_.flash_bytes(), "\n#define ", macro, "_SCRATCH_BYTES ",
      stats_.scratch_bytes, "\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
      "/* Computes the logits of one sample and returns the index of the first largest one (the predicted\n",
      "   class). Not reentrant: it uses static scratch memory. */\n", Signature(), ";\n\n",
      "#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n\n#endif  /* ", guard, " */\n");
}

std::string Exporter::SourceFile(const std::string& body) const {
  std::string scratch = "/* Scratch memory: values whose lifetimes do not overlap share addresses.\n";
  for (size_t r = 0; r < requests_.size(); ++r) {
    absl::StrAppend(&scratch, "   ", CommentText(request_values_[r]), ": ", PoolName(requests_[r].dtype), "[",
                    plan_.offsets[r], " .. ", plan_.offsets[r] + requests_[r].elements, ")\n");
  }
  absl::StrAppend(&scratch, " */\n");
  for (const auto& [dtype, elements] : plan_.pool_elements) {
    absl::StrAppend(&scratch, "static ", CTypeOf(dtype), " ", PoolName(dtype), "[", elements, "];\n");
  }
  return absl::StrCat(CommentHeader(absl::StrCat(name_, ".c")), "#include \"", name_, ".h\"\n\n", defs_.Text(), "\n",
                      scratch, "\n", body);
}

absl::StatusOr<CExport> Exporter::Run() {
  RETURN_IF_ERROR(CheckInterface());
  RETURN_IF_ERROR(PlanSteps());
  PlaceValues();
  RETURN_IF_ERROR(DefineWeights());
  for (int i = 0; i < static_cast<int>(g_.nodes().size()); ++i) {
    if (!g_.op(i).macs()) continue;
    std::vector<ValueType> in, out;
    for (const auto& v : g_.nodes()[i].in()) in.push_back(g_.value(v).type);
    for (const auto& v : g_.nodes()[i].out()) out.push_back(g_.value(v).type);
    stats_.macs += g_.op(i).macs()(in, out);
  }
  const int64_t weight_flash = defs_.flash_bytes();
  ASSIGN_OR_RETURN(std::string body, EmitBody());
  stats_.table_bytes = defs_.flash_bytes() - weight_flash;
  CExport out;
  out.name = name_;
  out.stats = stats_;
  out.header = HeaderFile();
  out.source = SourceFile(body);
  return out;
}

}  // namespace

absl::StatusOr<CExport> ExportC(const Graph& graph, const ParamMap& params, const CExportOptions& options) {
  Exporter e(graph, params, options);
  return e.Run();
}

}  // namespace nitro::deploy
