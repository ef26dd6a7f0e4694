#include "graph/source_location.h"

#include "absl/strings/str_cat.h"

namespace nitro {

std::string SourceLine(absl::string_view source, int line) {
  return line > 0 ? absl::StrCat(source, ":", line) : std::string(source);
}

std::string NodeLocation(absl::string_view source, int line, const proto::Node& node) {
  return absl::StrCat(SourceLine(source, line), ": node '", node.name(), "' (", node.op(), ")");
}

}  // namespace nitro
