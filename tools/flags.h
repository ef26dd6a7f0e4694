// A minimal `--name=value` flag parser for the nitro subcommands.
#ifndef NITRO_TOOLS_FLAGS_H_
#define NITRO_TOOLS_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nitro::cli {

struct ParsedFlags {
  std::map<std::string, std::string> values;  // --name=value (a bare --name maps to "true")
  std::vector<std::string> positional;

  bool Has(const std::string& name) const { return values.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t fallback) const {
    auto it = values.find(name);
    if (it == values.end()) return fallback;
    int64_t v;
    if (!absl::SimpleAtoi(it->second, &v)) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " expects an integer, got '", it->second, "'"));
    }
    return v;
  }
};

// Accepts --name=value, --name (boolean) and positional arguments; rejects names not in `known`.
inline absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<std::string>& args, const std::vector<std::string>& known) {
  ParsedFlags f;
  for (const auto& a : args) {
    if (a.rfind("--", 0) != 0) {
      f.positional.push_back(a);
      continue;
    }
    const size_t eq = a.find('=');
    std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    for (char& c : name) {
      if (c == '-') c = '_';
    }
    bool ok = false;
    for (const auto& k : known) ok = ok || k == name;
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("unknown flag '", a, "' (see --help)"));
    f.values[name] = eq == std::string::npos ? "true" : a.substr(eq + 1);
  }
  return f;
}

}  // namespace nitro::cli

#endif  // NITRO_TOOLS_FLAGS_H_
