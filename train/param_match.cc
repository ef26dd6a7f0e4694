// One by-name parameter matcher for checkpoints, tensor files and plans.
#include "train/param_match.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "train/checkpoint.h"

namespace nitro {
namespace {

const Tensor& Deref(const Tensor* t) { return *t; }
const Tensor& Deref(const Tensor& t) { return t; }

// The matcher over any source: `name_of(entry)` names an entry, `read(entry)` gives a
// StatusOr<Match> (a pointer or a decoded tensor).
template <typename Match, typename Source, typename NameOf, typename Read>
absl::StatusOr<std::vector<Match>> MatchAll(const NamedTensorRefs& params, const Source& source,
                                            const ParamMatchWords& words, NameOf name_of, Read read) {
  std::vector<Match> out;
  out.reserve(params.size());
  for (const auto& [name, want] : params) {
    std::optional<Match> match;
    for (const auto& entry : source) {
      if (name_of(entry) != name) continue;
      ASSIGN_OR_RETURN(Match t, read(entry));
      const Tensor& have = Deref(t);
      if (have.dtype() != want->dtype() || have.shape() != want->shape()) {
        return absl::Status(words.code, words.mismatch(name, have, *want));
      }
      match = std::move(t);
    }
    if (!match) return absl::Status(words.code, words.missing(name));
    out.push_back(std::move(*match));
  }
  return out;
}

}  // namespace

std::string DTypeAndShape(const Tensor& t) { return absl::StrCat(DTypeName(t.dtype()), " ", ShapeString(t.shape())); }

absl::StatusOr<std::vector<const Tensor*>> MatchParams(const NamedTensorRefs& params, const NamedTensorRefs& source,
                                                       const ParamMatchWords& words) {
  return MatchAll<const Tensor*>(
      params, source, words, [](const auto& e) -> const std::string& { return e.first; },
      [](const auto& e) -> absl::StatusOr<const Tensor*> { return e.second; });
}

absl::StatusOr<std::vector<Tensor>> MatchParams(const NamedTensorRefs& params,
                                                const google::protobuf::RepeatedPtrField<proto::TensorData>& source,
                                                const ParamMatchWords& words) {
  return MatchAll<Tensor>(
      params, source, words, [](const proto::TensorData& p) -> const std::string& { return p.name(); },
      [&words](const proto::TensorData& p) -> absl::StatusOr<Tensor> {
        absl::StatusOr<Tensor> t = TensorFromProto(p);
        if (!t.ok()) return absl::Status(words.code, words.unreadable(t.status()));
        return t;
      });
}

}  // namespace nitro
